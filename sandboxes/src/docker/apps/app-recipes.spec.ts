import { describe, expect, it } from 'vitest';
import { appRecipeFor, servesApp } from './app-recipes.js';

describe('app recipes', () => {
  it('runs Streamlit and Gradio always, Python and Node only when they import a server', () => {
    expect(servesApp('streamlit', 'import streamlit as st')).toBe(true);
    expect(servesApp('gradio', 'import gradio as gr')).toBe(true);
    expect(servesApp('python', 'from flask import Flask\napp = Flask(__name__)')).toBe(true);
    expect(servesApp('python', 'import http.server\n')).toBe(true);
    expect(servesApp('python', 'import socket, os as o, http.server, threading\n')).toBe(true);
    expect(servesApp('python', 'import socket, os\n')).toBe(false);
    expect(servesApp('python', 'print("from flask import x")')).toBe(false);
    expect(servesApp('python', 'import numpy as np')).toBe(false);
    expect(servesApp('javascript', "const http = require('http');\nhttp.createServer(h).listen(3000);")).toBe(true);
    expect(servesApp('javascript', "import http from 'node:http';\nserver.listen(3000)")).toBe(true);
    expect(servesApp('javascript', "const fs = require('fs');")).toBe(false);
    expect(servesApp('c', '#include <stdio.h>')).toBe(false);
  });

  it('tells Streamlit its public path and keeps the prefix; Gradio gets its root path and the prefix stripped', () => {
    const streamlit = appRecipeFor('streamlit', '', '/api/apps/abc');
    expect(streamlit?.run).toContain('--server.baseUrlPath /api/apps/abc');
    expect(streamlit?.keepsPrefix).toBe(true);
    expect(streamlit?.mayExit).toBe(false);
    const gradio = appRecipeFor('gradio', '', '/api/apps/abc');
    expect(gradio?.env).toContain('GRADIO_ROOT_PATH=/api/apps/abc');
    expect(gradio?.keepsPrefix).toBe(false);
    expect(appRecipeFor('python', 'from flask import Flask', '/x')?.mayExit).toBe(true);
    expect(appRecipeFor('python', 'print(1)', '/x')).toBeUndefined();
    // A WSGI app gets its public path as SCRIPT_NAME (the sitecustomize shim), so url_for and redirects stay in it.
    expect(appRecipeFor('python', 'from flask import Flask', '/api/apps/abc')?.env).toContain(
      'ARENA_BASE_PATH=/api/apps/abc',
    );
  });

  it('picks the module system of a Node app by its syntax', () => {
    expect(appRecipeFor('javascript', "import http from 'http';\ns.listen(1)", '/x')?.file).toBe('main.mjs');
    expect(appRecipeFor('javascript', "const http = require('http');\ns.listen(1)", '/x')?.file).toBe('main.cjs');
  });
});
