/**
 * The selected unit's settings, and its connections made by keyboard: pick one of its outputs and an input of
 * another unit with the same type (the canvas does the same by dragging from port to port).
 */
import { Button, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { portType } from './check';
import { unitDef, type ComposerGraph, type ComposerNode, type UnitDef } from './units';

export function Inspector({ graph, node, flowunits, onValues, onConnect, onRemove }: {
  graph: ComposerGraph;
  node: ComposerNode;
  flowunits: ReadonlyMap<string, UnitDef>;
  onValues: (values: Record<string, string>) => void;
  onConnect: (sourcePort: string, target: string, targetPort: string) => void;
  onRemove: () => void;
}) {
  const def = unitDef(node.type, flowunits);
  const [out, setOut] = useState(def?.outputs[0]?.name ?? '');
  const outType = portType(def, 'out', out);
  const targets = graph.nodes
    .filter((n) => n.id !== node.id)
    .flatMap((n) => (unitDef(n.type, flowunits)?.inputs ?? []).filter((p) => !outType || p.type === outType || p.type === 'any' || outType === 'any').map((p) => `${n.id}:${p.name}`));
  const [target, setTarget] = useState('');
  if (!def) return <Text>Unknown unit {node.type}</Text>;
  return (
    <Stack gap="xs" data-testid="inspector">
      <Title order={6}>{def.label} · {node.id}</Title>
      {def.fields.map((f) => (
        <TextInput
          key={f.name}
          size="xs"
          label={f.label}
          value={node.values[f.name] ?? ''}
          onChange={(e) => onValues({ ...node.values, [f.name]: e.currentTarget.value })}
          data-testid={`field-${f.name}`}
        />
      ))}
      {def.outputs.length > 0 && (
        <>
          <Text size="xs" fw={600}>Connect an output</Text>
          <NativeSelect size="xs" data={def.outputs.map((p) => p.name)} value={out} onChange={(e) => setOut(e.currentTarget.value)} data-testid="connect-output" aria-label="output port" />
          <NativeSelect size="xs" data={['', ...targets]} value={target} onChange={(e) => setTarget(e.currentTarget.value)} data-testid="connect-target" aria-label="target input" />
          <Button
            size="xs"
            variant="light"
            disabled={!target}
            data-testid="connect-button"
            onClick={() => {
              const [id, port] = target.split(':');
              onConnect(out, id!, port!);
              setTarget('');
            }}
          >
            Connect
          </Button>
        </>
      )}
      <Group>
        <Button size="xs" color="red" variant="subtle" onClick={onRemove}>Remove unit</Button>
      </Group>
    </Stack>
  );
}
