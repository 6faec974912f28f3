/**
 * The language a request asks for, and a small program in it for the demo models: a first visitor who asks
 * for C, Rust or Bash sees that language written, compiled and run, not JavaScript.
 */
export type RequestedLanguage =
  'c' | 'cpp' | 'java' | 'go' | 'rust' | 'bash' | 'python' | 'typescript' | 'javascript' | 'html' | 'react';

/** In order: the first that matches wins ("C++" before "C", "TypeScript" and "JavaScript" before "Java"). */
const ASKED: [RequestedLanguage, RegExp][] = [
  ['cpp', /c\+\+|\bcpp\b/i],
  ['typescript', /\btypescript\b|\bin ts\b/i],
  ['javascript', /\bjavascript\b|\bnode(\.js)?\b|\bin js\b/i],
  ['react', /\breact\b|\bjsx\b/i],
  ['java', /\bjava\b/i],
  ['rust', /\brust\b/i],
  ['go', /\bgolang\b|\bin go\b|\bgo (program|code|script|function|module)\b/i],
  ['bash', /\bbash\b|\bshell script\b|\bin sh\b/i],
  ['python', /\bpython\b/i],
  ['html', /\bhtml\b|\bweb ?page\b/i],
  ['c', /\bin c\b|\bc (program|code|function|language)\b|\bansi c\b/i],
];

export function requestedLanguage(prompt: string): RequestedLanguage | undefined {
  return ASKED.find(([, pattern]) => pattern.test(prompt))?.[0];
}

/** The request's words, as plain identifiers safe inside a string literal of any language. */
export function requestWords(prompt: string): string[] {
  const words = prompt.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.length > 0 ? words.slice(0, 12) : ['hello'];
}

const quoted = (words: string[]): string => words.map((w) => `"${w}"`).join(', ');

/** A program that counts the request's words and names the longest, in the compiled and shell languages. */
export function wordsProgram(language: 'c' | 'cpp' | 'java' | 'go' | 'rust' | 'bash', words: string[]): string {
  switch (language) {
    case 'c':
      return `#include <stdio.h>
#include <string.h>

int main(void) {
    const char *words[] = {${quoted(words)}};
    size_t n = sizeof words / sizeof words[0];
    size_t longest = 0;
    for (size_t i = 1; i < n; i++)
        if (strlen(words[i]) > strlen(words[longest])) longest = i;
    printf("words in the request: %zu\\n", n);
    printf("longest word: %s\\n", words[longest]);
    return 0;
}`;
    case 'cpp':
      return `#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

int main() {
    const std::vector<std::string> words = {${quoted(words)}};
    const auto longest = std::max_element(words.begin(), words.end(),
        [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
    std::cout << "words in the request: " << words.size() << "\\n";
    std::cout << "longest word: " << *longest << "\\n";
}`;
    case 'java':
      return `import java.util.Comparator;
import java.util.List;

public class Main {
    public static void main(String[] args) {
        List<String> words = List.of(${quoted(words)});
        String longest = words.stream().max(Comparator.comparingInt(String::length)).orElse("");
        System.out.println("words in the request: " + words.size());
        System.out.println("longest word: " + longest);
    }
}`;
    case 'go':
      return `package main

import "fmt"

func main() {
\twords := []string{${quoted(words)}}
\tlongest := words[0]
\tfor _, w := range words {
\t\tif len(w) > len(longest) {
\t\t\tlongest = w
\t\t}
\t}
\tfmt.Println("words in the request:", len(words))
\tfmt.Println("longest word:", longest)
}`;
    case 'rust':
      return `fn main() {
    let words = [${quoted(words)}];
    let longest = words.iter().max_by_key(|w| w.len()).unwrap();
    println!("words in the request: {}", words.len());
    println!("longest word: {}", longest);
}`;
    case 'bash':
      return `#!/usr/bin/env bash
words=(${words.map((w) => `"${w}"`).join(' ')})
longest=""
for w in "\${words[@]}"; do
  if [ \${#w} -gt \${#longest} ]; then longest=$w; fi
done
echo "words in the request: \${#words[@]}"
echo "longest word: $longest"`;
  }
}

/** A page that shows the request's words (the HTML preview). */
export function wordsPage(words: string[]): string {
  return `<!doctype html>
<html>
<head><title>Your request</title></head>
<body style="font-family: system-ui, sans-serif; padding: 16px">
  <h1 style="font-size: 18px">Your request has ${words.length} words</h1>
  <ul>${words.map((w) => `<li>${w}</li>`).join('')}</ul>
  <script>console.log('preview mounted with ${words.length} words');</script>
</body>
</html>`;
}

/** Break a program the way a hurried model does: its last closing brace is gone (it does not compile). */
export function withoutLastBrace(code: string): string {
  const at = code.lastIndexOf('}');
  return at < 0 ? code : code.slice(0, at) + code.slice(at + 1);
}
