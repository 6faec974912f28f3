/** The part of noVNC's RFB client (`@novnc/novnc`, docs/API.md) the display view uses; the package ships no types. */
declare module '@novnc/novnc' {
  export interface RfbOptions {
    shared?: boolean;
    wsProtocols?: string[];
  }
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: RfbOptions);
    viewOnly: boolean;
    scaleViewport: boolean;
    resizeSession: boolean;
    clipViewport: boolean;
    focusOnClick: boolean;
    showDotCursor: boolean;
    background: string;
    focus(): void;
    disconnect(): void;
  }
}
