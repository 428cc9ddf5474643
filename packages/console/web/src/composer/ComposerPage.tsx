/**
 * The visual composer: a palette of typed units, a canvas (React Flow) to place and connect them, the selected
 * unit's settings, the graph's checks, and the Sedna objects it compiles to as YAML, validated by the server and
 * applied. ModelBox graph TOML and flowunit TOML files are imported, and the graph exported as a ModelBox graph.
 */
import { Alert, Badge, Button, Card, FileButton, Grid, Group, List, ScrollArea, Stack, Text, TextInput, Title } from '@mantine/core';
import { Background, Controls, ReactFlow, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { stringify } from 'yaml';
import { useApi } from '../api/context';
import { NODE, SEDNA_KINDS, kindByName } from '../api/kinds';
import { useLive } from '../api/live';
import { navigate } from '../app/router';
import { exportGraphToml, importGraphToml } from '../modelbox/graphToml';
import { readFlowunitToml, unitsFromCatalogue } from '../modelbox/flowunits';
import { ApplyPanel } from '../yaml/ApplyPanel';
import { checkGraph, portType, type World } from './check';
import { compile } from './compile';
import { Inspector } from './Inspector';
import { layoutGraph } from './layout';
import { UnitNode, unitHeight, type UnitFlowNode } from './UnitNode';
import { newNode, unitDef, UNITS, type ComposerGraph, type UnitDef } from './units';

const nodeTypes = { unit: UnitNode };
const LIVE_KINDS = [NODE, SEDNA_KINDS.find((k) => k.kind === 'Model')!, SEDNA_KINDS.find((k) => k.kind === 'Dataset')!];

function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/toml' }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

export function ComposerPage() {
  const api = useApi();
  const live = useLive(LIVE_KINDS);
  const [graph, setGraph] = useState<ComposerGraph>({ name: 'my-job', namespace: 'default', nodes: [], edges: [] });
  const [positions, setPositions] = useState(new Map<string, { x: number; y: number }>());
  const [selected, setSelected] = useState<string>();
  const [flowunits, setFlowunits] = useState(new Map<string, UnitDef>());
  const [yamlText, setYamlText] = useState<string>();
  const [message, setMessage] = useState<{ color: string; text: string }>();
  const [exported, setExported] = useState<string>();
  // A new layout remounts the canvas, which fits the whole graph into view again.
  const [layoutVersion, setLayoutVersion] = useState(0);

  // The flow runtime's built-in units, as the control plane's catalogue gives them.
  useEffect(() => {
    fetch('/sedna/console/flowunits', { headers: { Authorization: `Bearer ${api.token}` } })
      .then((r) => (r.ok ? r.json() : undefined))
      .then((c) => c && setFlowunits((m) => new Map([...m, ...unitsFromCatalogue(c).map((u) => [u.type, u] as const)])))
      .catch(() => undefined);
  }, [api]);

  const inNamespace = (o: { metadata: { namespace?: string } }) => (o.metadata.namespace ?? 'default') === graph.namespace;
  const world: World = {
    nodes: new Set(live.of(NODE).map((n) => n.metadata.name)),
    models: new Set(live.of(LIVE_KINDS[1]!).filter(inNamespace).map((m) => m.metadata.name)),
    datasets: new Set(live.of(LIVE_KINDS[2]!).filter(inNamespace).map((d) => d.metadata.name)),
    flowunits,
  };
  const problems = checkGraph(graph, world);
  const invalid = new Set(problems.map((p) => p.node).filter(Boolean));

  const add = (def: UnitDef) => {
    const base = def.type.replace(/^flowunit:/, '').replace(/_/g, '-');
    let k = 1;
    while (graph.nodes.some((n) => n.id === `${base}-${k}`)) k++;
    const node = newNode(def, `${base}-${k}`);
    setGraph((g) => ({ ...g, nodes: [...g.nodes, node] }));
    setPositions((p) => new Map(p).set(node.id, { x: 40 + (graph.nodes.length % 4) * 220, y: 40 + Math.floor(graph.nodes.length / 4) * 140 }));
    setSelected(node.id);
  };
  const connect = (source: string, sourcePort: string, target: string, targetPort: string) => {
    const a = portType(unitDef(graph.nodes.find((n) => n.id === source)?.type ?? '', flowunits), 'out', sourcePort);
    const b = portType(unitDef(graph.nodes.find((n) => n.id === target)?.type ?? '', flowunits), 'in', targetPort);
    if (a && b && a !== b && a !== 'any' && b !== 'any') {
      setMessage({ color: 'red', text: `A ${a} output cannot feed a ${b} input.` });
      return;
    }
    setGraph((g) => ({ ...g, edges: [...g.edges.filter((e) => !(e.target === target && e.targetPort === targetPort)), { id: `${source}:${sourcePort}->${target}:${targetPort}`, source, sourcePort, target, targetPort }] }));
  };
  const arrange = async (g = graph) => {
    const placed = await layoutGraph(g, (id) => {
      const def = unitDef(g.nodes.find((n) => n.id === id)?.type ?? '', flowunits);
      return def ? unitHeight(def) : 80;
    });
    setPositions(placed);
    setLayoutVersion((v) => v + 1);
  };

  const rfNodes: UnitFlowNode[] = graph.nodes.map((n) => {
    const def = unitDef(n.type, flowunits) ?? { type: n.type, label: n.type, group: 'flowunit', inputs: [], outputs: [], fields: [] };
    return { id: n.id, type: 'unit', position: positions.get(n.id) ?? { x: 0, y: 0 }, selected: n.id === selected, data: { def, id: n.id, ...(n.values['node'] ? { detail: n.values['node'] } : {}), invalid: invalid.has(n.id) } };
  });
  const rfEdges = graph.edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourcePort, target: e.target, targetHandle: e.targetPort, label: portType(unitDef(graph.nodes.find((n) => n.id === e.source)?.type ?? '', flowunits), 'out', e.sourcePort) }));
  const onNodesChange = (changes: NodeChange<UnitFlowNode>[]) => {
    for (const c of changes) {
      if (c.type === 'position' && c.position) setPositions((p) => new Map(p).set(c.id, c.position!));
      if (c.type === 'select' && c.selected) setSelected(c.id);
      if (c.type === 'remove') setGraph((g) => ({ ...g, nodes: g.nodes.filter((n) => n.id !== c.id), edges: g.edges.filter((e) => e.source !== c.id && e.target !== c.id) }));
    }
  };
  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const c of changes) if (c.type === 'remove') setGraph((g) => ({ ...g, edges: g.edges.filter((e) => e.id !== c.id) }));
  };
  const selectedNode = graph.nodes.find((n) => n.id === selected);
  const palette = [...UNITS, ...flowunits.values()];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>Composer</Title>
        <Group>
          <FileButton accept=".toml" onChange={async (file) => {
            if (!file) return;
            try {
              const imported = importGraphToml(await file.text(), file.name, flowunits, graph.namespace);
              const units = new Map(flowunits);
              for (const u of imported.inferred) units.set(u.type, u);
              setFlowunits(units);
              setGraph(imported.graph);
              setYamlText(undefined);
              setMessage({ color: 'green', text: `Imported ${file.name}: ${imported.graph.nodes.length} units, ${imported.graph.edges.length} connections${imported.inferred.length ? ` (${imported.inferred.length} units without a description: ports from the edges)` : ''}.` });
              await arrange(imported.graph);
            } catch (err) {
              setMessage({ color: 'red', text: err instanceof Error ? err.message : String(err) });
            }
          }}>
            {(props) => <Button variant="default" size="xs" {...props} data-testid="import-graph">Import ModelBox graph</Button>}
          </FileButton>
          <FileButton accept=".toml" multiple onChange={async (files) => {
            const units = new Map(flowunits);
            try {
              for (const f of files) {
                const u = readFlowunitToml(await f.text(), f.name);
                units.set(u.type, u);
              }
              setFlowunits(units);
              setMessage({ color: 'green', text: `Read ${files.length} flowunit description(s): now in the palette.` });
            } catch (err) {
              setMessage({ color: 'red', text: err instanceof Error ? err.message : String(err) });
            }
          }}>
            {(props) => <Button variant="default" size="xs" {...props} data-testid="import-flowunit">Read flowunit TOML</Button>}
          </FileButton>
          <Button variant="default" size="xs" data-testid="export-graph" onClick={() => {
            const text = exportGraphToml(graph);
            setExported(text);
            download(`${graph.name}.toml`, text);
          }}>Export ModelBox graph</Button>
          <Button variant="default" size="xs" onClick={() => void arrange()} data-testid="arrange">Arrange</Button>
        </Group>
      </Group>
      {message && <Alert color={message.color} withCloseButton onClose={() => setMessage(undefined)} data-testid="composer-message">{message.text}</Alert>}
      <Grid>
        <Grid.Col span={{ base: 12, md: 2 }}>
          <Card withBorder p="xs">
            <Text size="xs" fw={600} mb={4}>Units</Text>
            <ScrollArea.Autosize mah={520}>
              <Stack gap={4}>
                {palette.map((u) => (
                  <Button key={u.type} size="compact-xs" variant="light" color={u.group === 'flowunit' ? 'grape' : u.group === 'multi-edge' ? 'gray' : 'blue'} onClick={() => add(u)} data-testid={`add-${u.type}`} justify="flex-start">
                    {u.label}
                  </Button>
                ))}
              </Stack>
            </ScrollArea.Autosize>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <div className="composer-canvas" data-testid="canvas">
            <ReactFlow
              key={layoutVersion}
              nodes={rfNodes}
              edges={rfEdges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={(c: Connection) => c.sourceHandle && c.targetHandle && connect(c.source, c.sourceHandle, c.target, c.targetHandle)}
              fitView
              deleteKeyCode={['Delete', 'Backspace']}
            >
              <Background />
              <Controls />
            </ReactFlow>
          </div>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 3 }}>
          <Card withBorder p="xs">
            <Stack gap="xs">
              <TextInput size="xs" label="Job name" value={graph.name} onChange={(e) => setGraph({ ...graph, name: e.currentTarget.value })} data-testid="job-name" />
              <TextInput size="xs" label="Namespace" value={graph.namespace} onChange={(e) => setGraph({ ...graph, namespace: e.currentTarget.value })} />
              {selectedNode ? (
                <Inspector
                  key={selectedNode.id}
                  graph={graph}
                  node={selectedNode}
                  flowunits={flowunits}
                  onValues={(values) => setGraph((g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === selectedNode.id ? { ...n, values } : n)) }))}
                  onConnect={(port, target, targetPort) => connect(selectedNode.id, port, target, targetPort)}
                  onRemove={() => {
                    setGraph((g) => ({ ...g, nodes: g.nodes.filter((n) => n.id !== selectedNode.id), edges: g.edges.filter((e) => e.source !== selectedNode.id && e.target !== selectedNode.id) }));
                    setSelected(undefined);
                  }}
                />
              ) : (
                <Text size="xs" c="dimmed">Select a unit to set it and connect its outputs.</Text>
              )}
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={5}>Checks {problems.length === 0 ? <Badge color="green">no problems</Badge> : <Badge color="red">{problems.length}</Badge>}</Title>
          <Button
            size="xs"
            data-testid="compile"
            onClick={() => {
              const result = compile(graph, world);
              if (result.problems.length) {
                setYamlText(undefined);
                setMessage({ color: 'red', text: `Cannot compile: ${result.problems.map((p) => p.message).join('; ')}` });
                return;
              }
              setMessage({ color: 'green', text: `Compiled to ${result.objects.map((o) => `${String(o.kind)} ${o.metadata.name}`).join(", ")}.` });
              setYamlText(result.objects.map((o) => stringify(o)).join('---\n'));
            }}
          >
            Compile to Sedna objects
          </Button>
        </Group>
        <List size="sm" data-testid="graph-problems">
          {problems.map((p, i) => (
            <List.Item key={i}>{p.message}</List.Item>
          ))}
        </List>
      </Card>
      {yamlText !== undefined && (
        <Card withBorder>
          <Title order={5} mb="xs">YAML</Title>
          <ApplyPanel
            text={yamlText}
            onText={setYamlText}
            onApplied={(objects) => {
              const job = objects[0];
              const k = job && kindByName(String(job.kind));
              if (job && k) navigate({ page: 'job', plural: k.plural, namespace: job.metadata.namespace ?? 'default', name: job.metadata.name });
            }}
          />
        </Card>
      )}
      {exported !== undefined && (
        <Card withBorder>
          <Title order={5} mb="xs">ModelBox graph (downloaded)</Title>
          <pre data-testid="exported-toml" style={{ fontSize: 12, overflow: 'auto' }}>{exported}</pre>
        </Card>
      )}
    </Stack>
  );
}
