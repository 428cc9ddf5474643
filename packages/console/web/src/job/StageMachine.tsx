/**
 * A job's stage machine, drawn from its conditions: the stages of its paradigm in order, the current one marked
 * with its state (Waiting, Starting, Running, Completed, Failed), and the transitions as a timeline.
 */
import { Badge, Group, Text, Timeline } from '@mantine/core';
import type { Condition, KubeObject } from '../api/types';
import { age, conditions, phaseColor } from '../common/status';

const STAGES: Record<string, string[]> = {
  IncrementalLearningJob: ['Train', 'Eval', 'Deploy'],
  LifelongLearningJob: ['Train', 'Eval', 'Deploy'],
};

export function StageMachine({ kind, object }: { kind: string; object: KubeObject }) {
  const all = conditions(object);
  const last = all.at(-1);
  const stages = STAGES[kind];
  return (
    <div>
      {stages ? (
        <Group gap="xs" mb="sm" data-testid="stage-machine">
          {stages.map((stage, i) => {
            const active = last?.stage === stage;
            const failed = active && last?.type === 'Failed';
            return (
              <Group gap="xs" key={stage}>
                <div className={`stage${active ? ' active' : ''}${failed ? ' failed' : ''}`} data-testid={active ? 'current-stage' : undefined}>
                  {stage}
                  {active ? ` · ${last?.type}` : ''}
                </div>
                {i < stages.length - 1 && <Text c="dimmed">→</Text>}
              </Group>
            );
          })}
          <Text c="dimmed">↺</Text>
        </Group>
      ) : (
        <Group mb="sm" data-testid="stage-machine">
          <Badge size="lg" color={phaseColor(last?.type ?? 'Pending')} data-testid="current-stage">{last ? `${last.type}${last.reason ? ` (${last.reason})` : ''}` : 'Pending'}</Badge>
        </Group>
      )}
      <Timeline bulletSize={14} lineWidth={2} active={all.length - 1}>
        {all.slice(-12).map((c: Condition, i) => (
          <Timeline.Item key={i} title={`${c.stage ? `${c.stage} ` : ''}${c.type}${c.reason ? ` · ${c.reason}` : ''}`}>
            <Text size="xs" c="dimmed">{age(c.lastTransitionTime ?? c.lastHeartbeatTime)} ago{c.message ? ` — ${c.message}` : ''}</Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </div>
  );
}
