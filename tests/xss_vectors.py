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
    f'<noscript><p title="</noscript><img src=x onerror={PAYLOAD}>">',
    # Dangerous URL schemes, in HTML and in Markdown
    f'<a href="javascript:{PAYLOAD}">link</a>',
    f'<a href="JaVaScRiPt:{PAYLOAD}">link</a>',
    f'<a href="jav&#x09;ascript:{PAYLOAD}">link</a>',
    f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{PAYLOAD}">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    f'<iframe src="javascript:{PAYLOAD}"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    f'<embed src="javascript:{PAYLOAD}">',
    f'<form action="javascript:{PAYLOAD}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{PAYLOAD}">',
    f"[markdown link](javascript:{PAYLOAD.replace('(', '%28').replace(')', '%29')})",
    "[markdown link](JAVASCRIPT:alert(1))",
    "[markdown link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![markdown image](x" onerror="top.__xss=1)',
    f"[ref link][evil]\n\n[evil]: javascript:{PAYLOAD.replace('(', '%28').replace(')', '%29')}",
    # CSS and styling
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    # Comments and CDATA
    f'<!--<img src="--><img src=x onerror={PAYLOAD}//">',
    f"<![CDATA[<script>{PAYLOAD}</script>]]>",
    # Template syntax (must stay text)
    "{{ request }} {% csrf_token %} ${alert(1)}",
    # More from the cheat sheet: encodings, whitespace and odd quoting
    "<IMG SRC=`javascript:alert(1)`>",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(1)>",
    '<IMG SRC="jav\tascript:alert(1);">',
    "<svg/onload=alert(1)>",
    '<BGSOUND SRC="javascript:alert(1);">',
    '<TABLE BACKGROUND="javascript:alert(1)"><tr><td>x</td></tr></TABLE>',
    '<DIV STYLE="width: expression(alert(1));">x</DIV>',
    '<BASE HREF="javascript:alert(1);//">',
    '<IFRAME SRC=# onmouseover="alert(1)"></IFRAME>',
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<a href="javas\x00cript:alert(1)">nul</a>',
    # Markdown specifics: entity-encoded schemes, autolinks, reference definitions with titles
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](java%0ascript:alert(1))",
    "<javascript:alert(1)>",
    '[x][r]\n\n[r]: vbscript:msgbox(1) "title"',
    "[x][r]\n\n[r]: <javascript:alert(1)>",
    "![img](javascript:alert(1))",
    '[x](javascript:alert(1) "t")',
]

# A title fits in 200 characters: the attribute and element breakouts matter most there.
TITLE = f'"><img src=x onerror={PAYLOAD}> 返品 </script><script>{PAYLOAD}</script>'

BODY = "Japanese too: 返品について質問です。\n\n" + "\n\n".join(VECTORS)
