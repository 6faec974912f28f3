import { describe, expect, it } from 'vitest';
import { programLabel } from './program-label.js';

describe('programLabel', () => {
  it('names an app or a display by its framework, not its language', () => {
    const python = (code: string) => ({ environment: 'python' as const, language: 'python', code });
    expect(programLabel({ environment: 'streamlit', language: 'python', code: 'import streamlit as st' })).toBe(
      'Streamlit',
    );
    expect(programLabel({ environment: 'gradio', language: 'python', code: 'import gradio as gr' })).toBe('Gradio');
    expect(programLabel({ environment: 'pygame', language: 'python', code: 'import pygame' })).toBe('PyGame');
    expect(programLabel(python('from flask import Flask, request\napp = Flask(__name__)'))).toBe('Flask');
    expect(programLabel(python('from fastapi import FastAPI\nimport uvicorn'))).toBe('FastAPI');
    expect(programLabel(python('import tkinter as tk\nroot = tk.Tk()'))).toBe('tkinter');
    expect(programLabel(python('import sys\nimport pygame\npygame.init()'))).toBe('PyGame');
    expect(programLabel(python('import json, http.server\n'))).toBe('Python web server');
    expect(programLabel(python('import numpy as np\nprint("from flask import x")'))).toBe('python');
    const node = "const http = require('http');\nhttp.createServer(h).listen(3000);";
    expect(
      programLabel({ environment: 'javascript', language: 'javascript', code: node }, { kind: 'app', url: '/a/' }),
    ).toBe('Node.js server');
    expect(programLabel({ environment: 'javascript', language: 'javascript', code: node })).toBe('javascript');
    expect(
      programLabel({ environment: 'javascript', language: 'javascript', code: "import express from 'express';" }),
    ).toBe('Express');
    expect(programLabel({ environment: 'c', language: 'c', code: '#include <stdio.h>' })).toBe('c');
  });
});
