import { describe, expect, it } from 'vitest';
import { answerCode, evalPrompt } from './answer.js';
import { parseTaskRow } from './task-file.js';

describe('answers', () => {
  it('takes the longest block in the task’s language, else the longest non-shell one, else the bare text', () => {
    const text =
      'Run:\n```bash\npip install x\n```\n```python\nprint(1)\n```\n```python\ndef f():\n    return 1\n```\n';
    expect(answerCode('python', text)).toBe('def f():\n    return 1');
    expect(answerCode('go', 'x\n```\nfunc F() int {\n\treturn 1\n}\n```\n```sh\nls\n```')).toBe(
      'func F() int {\n\treturn 1\n}',
    );
    expect(answerCode('rust', '    n * 2\n}\n')).toBe('    n * 2\n}\n');
    expect(answerCode('rust', '```sh\ncargo run\n```')).toBeUndefined();
    expect(answerCode('rust', '   ')).toBeUndefined();
  });

  it('asks for the complete function in the task’s language, showing the prompt in a fence', () => {
    const task = parseTaskRow({ task_id: 'CPP/0', prompt: 'int f(int n){\n', test: 'int main(){}' }, 'f:1');
    const prompt = evalPrompt(task);
    expect(prompt).toContain('Complete the following C++ code: write the function `f`');
    expect(prompt).toContain('```cpp\nint f(int n){\n```');
    expect(prompt).toMatch(/Do not write a main function/);
  });

  it('tells the model about the task’s files and API', () => {
    const task = parseTaskRow(
      {
        task_id: 'X/0',
        language: 'python',
        prompt: 'def f():\n',
        test: '',
        files: { 'cities.csv': 'name\nOslo\n' },
        mock_api: { 'GET /users/1': { json: {} } },
      },
      'f:1',
    );
    expect(evalPrompt(task)).toContain('cities.csv:\n```\nname\nOslo\n```');
    expect(evalPrompt(task)).toMatch(/API_BASE_URL, with these routes: GET \/users\/1\./);
  });
});
