// Script-injection payloads for the XSS journey. Every payload, if it ever ran, calls `__xss()` (or one of
// the dialog functions), and every tag it would inject carries a `data-xss` attribute, so the journey sees
// both execution and injection. Built from well-known filter-evasion families (OWASP XSS cheat sheet,
// PortSwigger's list), each with several ways of calling the probe.

const calls = ["__xss()", "alert(1)", "top['__xss']()", "window.__xss?.()", "confirm(1)"];

const templates: ((js: string) => string)[] = [
  (js) => `<script data-xss>${js}</script>`,
  (js) => `<SCRIPT data-xss>${js}</SCRIPT>`,
  (js) => `"><script data-xss>${js}</script>`,
  (js) => `'><script data-xss>${js}</script>`,
  (js) => `</textarea><script data-xss>${js}</script>`,
  (js) => `</title><script data-xss>${js}</script>`,
  (js) => `<img data-xss src=x onerror=${js}>`,
  (js) => `<img data-xss src="x" onerror="${js}">`,
  (js) => `<IMG data-xss SRC=# onmouseover="${js}">`,
  (js) => `<img data-xss src=1 href=1 onerror="javascript:${js}"></img>`,
  (js) => `<svg data-xss onload=${js}>`,
  (js) => `<svg data-xss><script>${js}</script></svg>`,
  (js) => `<svg data-xss><animate onbegin=${js} attributeName=x dur=1s>`,
  (js) => `<body data-xss onload=${js}>`,
  (js) => `<iframe data-xss src="javascript:${js}"></iframe>`,
  (js) => `<iframe data-xss srcdoc="<script>parent.${js}</script>"></iframe>`,
  (js) => `<a data-xss href="javascript:${js}">click</a>`,
  (js) => `<a data-xss href="JaVaScRiPt:${js}">x</a>`,
  (js) => `<a data-xss href="&#106;avascript:${js}">x</a>`,
  (js) => `<details data-xss open ontoggle=${js}>`,
  (js) => `<input data-xss autofocus onfocus=${js}>`,
  (js) => `<select data-xss autofocus onfocus=${js}>`,
  (js) => `<textarea data-xss autofocus onfocus=${js}>`,
  (js) => `<video data-xss><source onerror="${js}">`,
  (js) => `<audio data-xss src=x onerror=${js}>`,
  (js) => `<object data-xss data="javascript:${js}">`,
  (js) => `<embed data-xss src="javascript:${js}">`,
  (js) => `<marquee data-xss onstart=${js}>x</marquee>`,
  (js) => `<div data-xss style="width:expression(${js})">`,
  (js) => `<div data-xss onpointerenter=${js} style="position:fixed;inset:0">`,
  (js) => `<form data-xss><button formaction="javascript:${js}">x</button></form>`,
  (js) => `<math data-xss><mtext><table><mglyph><style><img src=x onerror=${js}>`,
  (js) => `<noscript><p title="</noscript><img data-xss src=x onerror=${js}>">`,
  (js) => `<style>@import 'javascript:${js}';</style><b data-xss>x</b>`,
  (js) => `<meta data-xss http-equiv="refresh" content="0;url=javascript:${js}">`,
  (js) => `<base data-xss href="javascript:${js}//">`,
  (js) => `<link data-xss rel=import href="data:text/html,<script>${js}</script>">`,
  (js) => `<img data-xss src=x:x onerror=&#x61;lert(1)>${js}`,
  (js) => `<img data-xss src=x onerror=eval(atob('${btoa(js)}'))>`,
  (js) => `<img data-xss src=x onerror=\u0061lert(1)>${js}`,
  (js) =>
    `javascript:/*--></title></style></textarea></script><svg data-xss/onload='+/"/+/onmouseover=1/+/[*/[]/+${js}//'>`,
  (js) => `{{constructor.constructor('${js}')()}}`,
  (js) => `\${${js}}`,
  (js) => `<scr<script>ipt data-xss>${js}</scr</script>ipt>`,
  (js) => `%3Cscript%20data-xss%3E${encodeURIComponent(js)}%3C/script%3E`,
  (js) => `&lt;script data-xss&gt;${js}&lt;/script&gt;`,
  (js) => `<!--<img data-xss src="--><img data-xss src=x onerror=${js}//">`,
  (js) => `<x data-xss contenteditable onblur=${js}>lose focus!</x>`,
  (js) => `<a data-xss href="data:text/html;base64,${btoa(`<script>${js}</script>`)}">x</a>`,
  (js) => `[click](javascript:${js}) **<b data-xss onclick=${js}>md</b>**`,
];

/** At least 200 distinct payloads, each at most 200 characters (the longest a contact name may be). */
export const xssCorpus: string[] = [
  ...new Set(templates.flatMap((template) => calls.map((call) => template(call).slice(0, 200)))),
];
