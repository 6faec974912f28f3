import { describe, expect, it } from 'vitest';
import { definesFunction, dropLeadingBrace, functionNames, matchingBrace, removeBlocks } from './source-scan.js';

describe('source scanning', () => {
  it('finds the functions each language defines, not calls or control keywords', () => {
    expect(functionNames('python', 'def a():\n    pass\nasync def b(x):\n    a()\n')).toEqual(['a', 'b']);
    expect(
      functionNames('javascript', 'function f(x) {}\nconst g = (a) => a;\nlet h = async function () {};\nf(1);'),
    ).toEqual(['f', 'g', 'h']);
    expect(
      functionNames('typescript', 'function f<T>(x: T): T { return x; }\nconst g = (a: number): number => a;'),
    ).toEqual(['f', 'g']);
    expect(
      functionNames('cpp', 'bool f(vector<int> v){\n  if (v.size()) { return g(v); }\n  while (x) {}\n}\nint main(){}'),
    ).toEqual(['f']);
    expect(
      functionNames(
        'java',
        'class S {\n  public boolean f(List<Integer> x) throws Exception {\n    for (int i = 0; i < 2; i++) {}\n  }\n}',
      ),
    ).toEqual(['f']);
    expect(functionNames('go', 'func (s *S) M() {}\nfunc F(x []int) bool {\n}\nfunc main() {}')).toEqual(['M', 'F']);
    expect(functionNames('rust', 'fn helper<T>(x: T) {}\nfn f(n: i32) -> i32 {\n}\nfn main(){}')).toEqual([
      'helper',
      'f',
    ]);
    expect(definesFunction('cpp', 'int sum_to_n(int n){ return n; }', 'sum_to_n')).toBe(true);
    expect(definesFunction('cpp', '    return n*(n+1)/2;\n}\n', 'sum_to_n')).toBe(false);
  });

  it('matches braces past strings, characters, comments, Go raw strings and Rust lifetimes', () => {
    const c = 'f() { s = "}"; c = \'}\'; // }\n /* } */ { } }';
    expect(matchingBrace('cpp', c, c.indexOf('{'))).toBe(c.length - 1);
    const go = 'func f() { s := `\\` + "}" }';
    expect(matchingBrace('go', go, go.indexOf('{'))).toBe(go.length - 1);
    const rust = "fn f<'a>(x: &'a str) -> char { let c = '}'; let e = '\\''; '{' }";
    expect(matchingBrace('rust', rust, rust.indexOf('{'))).toBe(rust.length - 1);
    expect(matchingBrace('cpp', 'f() { {', 4)).toBe(-1);
  });

  it('removes whole blocks by their head (an answer’s own main) and leaves the rest', () => {
    const code = 'int f(){ return 1; }\nint main() {\n  if (f()) { puts("}"); }\n}\nint g(){}\n';
    expect(removeBlocks('cpp', code, /\bint\s+main\s*\([^)]*\)\s*\{/)).toBe('int f(){ return 1; }\n\nint g(){}\n');
    expect(removeBlocks('cpp', 'int main() {', /\bint\s+main\s*\(\)\s*\{/)).toBe('int main() {');
  });

  it('drops the brace MultiPL-E tests open with, only that', () => {
    expect(dropLeadingBrace('}\n\nfn main() {\n}\n')).toBe('\nfn main() {\n}\n');
    expect(dropLeadingBrace('    }\n    public static void main')).toBe('    public static void main');
    expect(dropLeadingBrace('def check(x):\n')).toBe('def check(x):\n');
  });
});
