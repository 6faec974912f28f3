import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScreenshotBrowser, ShotError } from './screenshot-browser.js';

const CHROMIUM = process.env.ARENA_CHROMIUM ?? '/usr/bin/chromium';

/** A server on the host's loopback that records every request it hears (what a hostile page must not reach). */
async function listen(handler: (req: IncomingMessage) => string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(handler(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// A page opens a popup (or a new window by a link's target) toward the host's loopback: a page's routes do not
// apply to its popups, so the popup reached whatever listens on the arena's host, and lived on in a reused page.
describe.skipIf(!existsSync(CHROMIUM))('ScreenshotBrowser against hostile pages', () => {
  const heard: string[] = [];
  let host: { server: Server; url: string };
  let app: { server: Server; url: string };
  let browser: ScreenshotBrowser;
  let udp: Socket;
  let udpPort = 0;
  let tcp: TcpServer;
  let tcpPort = 0;
  const opener = (target: string): string =>
    `<!doctype html><body style="background:#3a7"><h1>hello</h1><a id="a" target="_blank" href="${target}/link">x</a>` +
    `<script>window.open(${JSON.stringify(`${target}/popup`)}); document.getElementById('a').click();` +
    `const work = (path) => URL.createObjectURL(new Blob([${JSON.stringify(`fetch('${target}/`)} + path + "').catch(() => 0)"]));` +
    `try { new Worker(work('worker')); new SharedWorker(work('shared')); } catch {}` +
    `navigator.sendBeacon(${JSON.stringify(`${target}/beacon`)}, 'x');</script>` +
    `<script>const stun = (RTC) => { const rtc = new RTC({ iceServers: [{ urls: 'stun:127.0.0.1:${udpPort}' }, { urls: 'turn:127.0.0.1:${tcpPort}?transport=tcp', username: 'u', credential: 'c' }] });` +
    `rtc.createDataChannel('x'); rtc.createOffer().then((offer) => rtc.setLocalDescription(offer)); };` +
    `try { stun(RTCPeerConnection); } catch {}` +
    `const frame = document.body.appendChild(document.createElement('iframe'));` +
    `try { stun(frame.contentWindow.RTCPeerConnection); } catch {}</script>` +
    `<link rel="prefetch" href="${target}/prefetch"><link rel="dns-prefetch" href="${target}/dns"></body>`;

  beforeAll(async () => {
    udp = createSocket('udp4');
    udp.on('message', () => heard.push('udp'));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    tcp = createTcpServer((socket) => {
      heard.push('tcp');
      socket.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
    host = await listen((req) => {
      heard.push(req.url ?? '');
      return '<h1>reached</h1>';
    });
    app = await listen(() => opener(host.url));
    browser = new ScreenshotBrowser({ executablePath: CHROMIUM, inFlight: 1, budgetMs: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    host?.server.close();
    app?.server.close();
    udp?.close();
    tcp?.close();
  });

  it("a page's popups, workers, beacons, prefetches and WebRTC reach nothing on the host", async () => {
    const shot = await browser.shootUrl(`${app.url}/`, { settleMs: 1_000 });
    expect(shot.blank).toBe(false);
    // A stored preview's popups neither: its page goes back to the pool after the shot.
    const preview = await browser.shootHtml(opener(host.url), () => "default-src 'none'; script-src 'unsafe-inline'", {
      settleMs: 1_000,
    });
    expect(preview.blank).toBe(false);
    // One more shot on the reused page: a popup left open by the last one would still be running.
    await browser.shootHtml('<body style="background:#37a">next</body>', () => "default-src 'none'", {
      settleMs: 1_000,
    });
    expect(heard).toEqual([]);
  });

  it('a page that never yields fails its shot within the budget, and the next shot is taken', async () => {
    const busy = new ScreenshotBrowser({ executablePath: CHROMIUM, inFlight: 1, budgetMs: 3_000 });
    try {
      const hung = busy.shootHtml('<body><script>for (;;) {}</script></body>', () => "script-src 'unsafe-inline'");
      await expect(hung).rejects.toBeInstanceOf(ShotError);
      const next = await busy.shootHtml('<h1 style="font-size:200px">next</h1>', () => "style-src 'unsafe-inline'");
      expect(next.blank).toBe(false);
    } finally {
      await busy.close();
    }
  });
});
