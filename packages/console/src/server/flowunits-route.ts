/**
 * `GET /sedna/console/flowunits` (API token): the flow runtime's built-in units in `sedna flow units`' JSON
 * (ModelBox's flow-info shape), for the composer's palette and for reading ModelBox graphs that use them. The flow
 * runtime (with its model runtimes) is loaded on the first request only, not when the control plane starts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CONSOLE_FLOWUNITS_ROUTE = '/sedna/console/flowunits';

let catalogue: Promise<string> | undefined;

export function consoleFlowunitsRoute(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    req.resume();
    catalogue ??= import('@sedna/lib/flow').then((flow) => JSON.stringify(flow.builtinRegistry().describe()));
    let body: string;
    try {
      body = await catalogue;
    } catch (err) {
      // The GM image (where the chart's console runs) leaves the worker lib out: the composer keeps its own units.
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`the flow runtime (@sedna/lib) is not installed beside this console: ${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }).end(body);
  };
}
