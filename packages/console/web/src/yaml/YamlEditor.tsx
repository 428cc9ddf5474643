/** CodeMirror 6 with YAML highlighting; diagnostics (the server's field errors) drawn at their place. */
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface FieldDiagnostic {
  from: number;
  to: number;
  message: string;
}

export function YamlEditor({ value, onChange, diagnostics, testId }: { value: string; onChange: (text: string) => void; diagnostics: readonly FieldDiagnostic[]; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const latest = useRef({ onChange });
  latest.current = { onChange };
  useEffect(() => {
    if (!host.current) return;
    view.current = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': 'YAML' }),
        ],
      }),
    });
    return () => view.current?.destroy();
    // The editor is made once; a new value from outside replaces its text below.
  }, []);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const end = v.state.doc.length;
    v.dispatch(setDiagnostics(v.state, diagnostics.map((d) => ({ from: Math.min(d.from, end), to: Math.min(d.to, end), severity: 'error', message: d.message }))));
  }, [diagnostics]);
  return <div ref={host} className="yaml-editor" data-testid={testId} />;
}
