/** The widget's styles, inside its shadow root: nothing leaks into the host page and nothing leaks in. */
export const STYLES = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei", sans-serif; }
.root { position: fixed; bottom: 20px; z-index: 2147483000; display: flex; flex-direction: column; gap: 12px; font-size: 14px; line-height: 1.4; color: #1a1b1e; }
.right { right: 20px; align-items: flex-end; }
.left { left: 20px; align-items: flex-start; }
.launcher { border: 0; border-radius: 24px; padding: 12px 18px; font-size: 15px; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); background: var(--primary); color: var(--text); }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.panel { width: min(370px, calc(100vw - 40px)); height: min(520px, calc(100vh - 110px)); background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
.head { background: var(--primary); color: var(--text); padding: 12px 14px; display: flex; align-items: center; justify-content: space-between; }
.head h2 { margin: 0; font-size: 16px; }
.close { background: transparent; border: 0; color: inherit; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 6px; }
.help { padding: 8px 12px; border-bottom: 1px solid #dee2e6; max-height: 45%; overflow-y: auto; }
.help input { width: 100%; padding: 7px 9px; border: 1px solid #ced4da; border-radius: 6px; font-size: 14px; }
.help ul { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.help a { color: #1c64f2; font-weight: 600; }
.help small { display: block; color: #495057; }
.help p { margin: 6px 0 0; color: #495057; font-size: 13px; }
.help mark { background: #fff3bf; color: inherit; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f8f9fa; margin: 0; list-style: none; }
.msg { max-width: 80%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.inbound { align-self: flex-end; background: var(--primary); color: var(--text); }
.outbound { align-self: flex-start; background: #fff; border: 1px solid #dee2e6; }
.note { align-self: center; color: #495057; font-size: 13px; text-align: center; }
.failed { background: transparent; border: 0; color: #c92a2a; cursor: pointer; font-size: 12px; padding: 0; }
.form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e9ecef; }
.form textarea { flex: 1; resize: none; border: 1px solid #ced4da; border-radius: 8px; padding: 8px; font-size: 14px; height: 40px; }
.form button { border: 0; border-radius: 8px; padding: 0 14px; font-weight: 600; cursor: pointer; background: var(--primary); color: var(--text); }
.attach { background: transparent !important; color: #495057 !important; padding: 0 6px !important; font-size: 18px; }
.file { display: block; color: inherit; }
.image { display: block; max-width: 100%; max-height: 220px; border-radius: 8px; margin-bottom: 4px; }
.fields { margin: 0; padding: 10px 12px; border-top: 1px solid #e9ecef; display: flex; flex-direction: column; gap: 8px; overflow-y: auto; max-height: 60%; }
.fields p { margin: 0; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field label { font-weight: 600; font-size: 13px; }
.field input, .field textarea, .transcript input { border: 1px solid #ced4da; border-radius: 8px; padding: 6px 8px; font-size: 14px; }
.field textarea { resize: none; height: 72px; }
.field [aria-invalid] { border-color: #c92a2a; }
.fields button, .transcript button { border: 0; border-radius: 8px; padding: 8px 12px; font-weight: 600; cursor: pointer; background: var(--primary); color: var(--text); }
.link { background: transparent; border: 0; color: #1c5fa8; cursor: pointer; font-size: 12px; text-decoration: underline; padding: 2px 12px; align-self: flex-start; }
.transcript { display: flex; gap: 6px; padding: 4px 12px; }
.transcript input { flex: 1; }
.csat { margin: 0; padding: 10px 12px; border-top: 1px solid #e9ecef; display: flex; flex-direction: column; gap: 6px; }
.csat fieldset { border: 0; margin: 0; padding: 0; }
.csat legend { font-weight: 600; padding: 0; margin-bottom: 4px; }
.star { background: transparent; border: 0; font-size: 24px; line-height: 1; color: #ced4da; cursor: pointer; padding: 0 2px; }
.star.on { color: #f59f00; }
.csat textarea { resize: none; border: 1px solid #ced4da; border-radius: 8px; padding: 6px; font-size: 13px; height: 48px; }
.csat .row { display: flex; justify-content: flex-end; gap: 8px; }
.csat .row button { border: 0; border-radius: 8px; padding: 6px 12px; font-weight: 600; cursor: pointer; background: var(--primary); color: var(--text); }
.csat .row .later { background: transparent; color: #495057; }
.csat button:disabled { opacity: .5; cursor: default; }
.status { padding: 4px 12px; font-size: 12px; color: #495057; min-height: 20px; }
@media (max-width: 480px) { .panel { width: calc(100vw - 24px); height: calc(100vh - 96px); } .root.right { right: 12px; } .root.left { left: 12px; } }
@media (prefers-reduced-motion: no-preference) { .panel { animation: in .15s ease-out; } @keyframes in { from { opacity: 0; transform: translateY(8px); } } }
`;
