/**
 * The pages' only stylesheet, inlined (no external assets). Colours meet WCAG AA: text colours
 * have at least 4.5:1 against their background, bar colours at least 3:1 against white.
 */
export const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f6f8fa}
a{color:#0550ae}
a:focus-visible,button:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem;z-index:1}
.skip:focus{left:1rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.wrap{max-width:860px;margin:0 auto;padding:0 1rem}
header.top{background:#fff;border-bottom:1px solid #d0d7de}
header.top .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-top:1rem;padding-bottom:1rem}
header.top h1{font-size:1.5rem;margin:0}
header.top h1 a{color:inherit;text-decoration:none}
header.top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0;font-size:.95rem}
.tag{display:inline-block;font-size:.75rem;font-weight:600;letter-spacing:.02em;text-transform:uppercase;border-radius:2rem;padding:.1rem .6rem;border:1px solid currentColor;vertical-align:middle}
main.wrap{padding-top:1.5rem;padding-bottom:2rem}
section{margin:0 0 2rem}
h2{font-size:1.25rem;margin:0 0 .75rem}
h3{font-size:1.05rem;margin:0 0 .25rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
.banner{border-radius:8px;padding:1rem 1.25rem;color:#fff;display:flex;align-items:center;gap:.75rem;margin:0 0 1.5rem}
.banner h2{margin:0;font-size:1.35rem}
.banner .icon{font-size:1.5rem;line-height:1}
.b-none{background:#1a7f37}.b-minor{background:#9a6700}.b-major{background:#bc4c00}.b-critical{background:#cf222e}.b-maintenance{background:#0969da}
.s-operational{color:#1a7f37}.s-degraded_performance{color:#9a6700}.s-partial_outage{color:#bc4c00}.s-major_outage{color:#cf222e}.s-under_maintenance{color:#0969da}
.i-none{color:#57606a}.i-minor{color:#9a6700}.i-major{color:#bc4c00}.i-critical{color:#cf222e}.i-maintenance{color:#0969da}
.group{padding:0}
.group>h3{padding:.75rem 1.25rem;margin:0;border-bottom:1px solid #d0d7de;background:#f6f8fa;border-radius:8px 8px 0 0}
.component{padding:.9rem 1.25rem;border-bottom:1px solid #d8dee4}
.component:last-child{border-bottom:0}
.crow{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap;align-items:baseline}
.cname{font-weight:600}
.cdesc{color:#57606a;font-size:.875rem;margin:0}
.cstatus{font-weight:600;font-size:.95rem}
.bars{margin:.5rem 0 0}
.bar{display:flex;gap:2px;height:34px}
.bar span{flex:1;border-radius:1px;background:#2da44e}
.bar .d{background:#bf8700}.bar .p{background:#e16f24}.bar .m{background:#cf222e}.bar .u{background:#0969da}
.bars .d30{display:none}
.legend{display:flex;justify-content:space-between;color:#57606a;font-size:.8rem;margin-top:.2rem}
.incident{border-left:6px solid #57606a}
.edge-critical{border-left-color:#cf222e}.edge-major{border-left-color:#bc4c00}.edge-minor{border-left-color:#9a6700}.edge-maintenance{border-left-color:#0969da}
.incident h3 a{color:inherit}
.meta{color:#57606a;font-size:.875rem;margin:.1rem 0 .5rem}
.updates{list-style:none;margin:.5rem 0 0;padding:0}
.updates li{padding:.5rem 0;border-top:1px solid #eaeef2}
.updates p{margin:0;white-space:pre-line;overflow-wrap:anywhere}
.updates .when{color:#57606a;font-size:.8rem}
.msg{white-space:pre-line;overflow-wrap:anywhere;margin:.25rem 0 0}
.note{background:#fff8c5;border-radius:4px;padding:.25rem .5rem}
.day{padding:.75rem 0;border-bottom:1px solid #d8dee4}
.day:last-child{border-bottom:0}
.day h3{font-size:1rem}
.day p.none{color:#57606a;margin:0}
.day ul{margin:.25rem 0 0;padding-left:1.1rem}
form.sub{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
form.sub label{display:block;font-weight:600;font-size:.9rem;width:100%}
input[type=email]{font:inherit;padding:.5rem .6rem;border:1px solid #8c959f;border-radius:6px;min-width:0;flex:1 1 16rem}
button{font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:6px;border:1px solid #1a7f37;background:#1f883d;color:#fff;cursor:pointer}
button.danger{background:#cf222e;border-color:#a40e26}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}
th{font-weight:600;color:#424a53}
.scroll{overflow-x:auto}
.warn{color:#cf222e;font-weight:600}
.ok{color:#1a7f37;font-weight:600}
.chart svg{display:block;width:100%;height:auto}
.chart text{font:11px system-ui,sans-serif;fill:#424a53}
.keys{display:flex;flex-wrap:wrap;gap:.75rem;font-size:.8rem;color:#424a53;list-style:none;padding:0;margin:.25rem 0}
.keys span{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.25rem;vertical-align:-1px}
.sev-critical{background:#cf222e;fill:#cf222e}.sev-high{background:#e16f24;fill:#e16f24}.sev-medium{background:#bf8700;fill:#bf8700}.sev-low{background:#0969da;fill:#0969da}.sev-info{background:#8c959f;fill:#8c959f}
footer{color:#57606a;font-size:.875rem;border-top:1px solid #d0d7de;padding:1rem 0 2rem}
footer p{margin:.25rem 0}
@media (max-width:600px){
 body{font-size:15px}
 .bars .d90{display:none}.bars .d30{display:inline}
 .bar span:nth-child(-n+60){display:none}
 .card:not(.group),.component{padding-left:.9rem;padding-right:.9rem}
 .group>h3{padding-left:.9rem}
}
`;
