"""Cross-site scripting vectors, after the OWASP XSS Filter Evasion Cheat Sheet,
plus Markdown-specific ones. Each payload, if it ever ran, would set
window.__xss, log XSS-FIRED to the console and open an alert: the browser tests
watch for all three. Plain data, so other tests (e.g. the sanitiser's) can
import it too.
"""

# What every vector tries to run.
PAYLOAD = "top.__xss=1;console.error('XSS-FIRED');alert(1)"

VECTORS = [
    # Plain and broken-up script tags
    f"<script>{PAYLOAD}</script>",
    f"<SCRIPT>{PAYLOAD}</SCRIPT>",
    f"<<SCRIPT>{PAYLOAD}//<</SCRIPT>",
    f'<IMG """><SCRIPT>{PAYLOAD}</SCRIPT>">',
    f"<scr<script>ipt>{PAYLOAD}</scr</script>ipt>",
    f"</textarea><script>{PAYLOAD}</script>",
    f"</title><script>{PAYLOAD}</script>",
    f'"><script>{PAYLOAD}</script>',
    # Event handlers
    f'<img src=x onerror="{PAYLOAD}">',
    f"<img src=x onerror={PAYLOAD}>",
    f"<svg onload={PAYLOAD}>",
    f"<svg><script>{PAYLOAD}</script></svg>",
    f"<body onload={PAYLOAD}>",
    f"<details open ontoggle={PAYLOAD}>",
    f"<input autofocus onfocus={PAYLOAD}>",
    f"<video><source onerror={PAYLOAD}></video>",
    f'<a href="#" onmouseover="{PAYLOAD}">hover</a>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={PAYLOAD}>",
    f"<noscript><p title=\"</noscript><img src=x onerror={PAYLOAD}>\">",
    # Dangerous URL schemes, in HTML and in Markdown
    f'<a href="javascript:{PAYLOAD}">link</a>',
    f'<a href="JaVaScRiPt:{PAYLOAD}">link</a>',
    f'<a href="jav&#x09;ascript:{PAYLOAD}">link</a>',
    f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{PAYLOAD}">link</a>',
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    f"<iframe src=\"javascript:{PAYLOAD}\"></iframe>",
    "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
    f"<embed src=\"javascript:{PAYLOAD}\">",
    f"<form action=\"javascript:{PAYLOAD}\"><button>go</button></form>",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{PAYLOAD}\">",
    f"[markdown link](javascript:{PAYLOAD.replace('(', '%28').replace(')', '%29')})",
    "[markdown link](JAVASCRIPT:alert(1))",
    "[markdown link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![markdown image](x\" onerror=\"top.__xss=1)",
    f"[ref link][evil]\n\n[evil]: javascript:{PAYLOAD.replace('(', '%28').replace(')', '%29')}",
    # CSS and styling
    "<div style=\"background:url(javascript:alert(1))\">styled</div>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    # Comments and CDATA
    f"<!--<img src=\"--><img src=x onerror={PAYLOAD}//\">",
    f"<![CDATA[<script>{PAYLOAD}</script>]]>",
    # Template syntax (must stay text)
    "{{ request }} {% csrf_token %} ${alert(1)}",
]

# A title fits in 200 characters: the attribute and element breakouts matter most there.
TITLE = f'"><img src=x onerror={PAYLOAD}> 返品 </script><script>{PAYLOAD}</script>'

BODY = "Japanese too: 返品について質問です。\n\n" + "\n\n".join(VECTORS)
