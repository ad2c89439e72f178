// The reply composer's live count: "N / 280 · 2 posts" while staff type.
//
// The same rules as the server, in the browser: X's weighted length
// (publishing.compose.x_weighted_length, twitter-text's rules; the URL and
// emoji patterns come from x_count_patterns.js, generated from the Python
// package) and the split into at most 3 posts (conversations.compose.reply_parts).
// tests/conversations/test_x_count_js.py runs both on the same strings in node.
(function (root) {
  "use strict";
  if (root.TipcastXCount) {
    return; // the composer included twice on one page
  }
  var P = root.TipcastXPatterns;
  if (!P && typeof require === "function") {
    P = require("./x_count_patterns.js");
  }
  var MAX_PARTS = 3;
  var FACEBOOK_LIMIT = 8000;
  var CONTINUED_JA = "(続きます)";
  var CLOSERS = "」』）)\"'”’";

  function regex(name, extraFlags) {
    return new RegExp(P[name][0], P[name][1] + (extraFlags || ""));
  }
  var EXTRACT_URL = regex("extractUrl", "g");
  var EMOJI = regex("emoji", "g");
  var VALID_ASCII_DOMAIN = regex("validAsciiDomain", "g");
  var VALID_TCO_URL = regex("validTcoUrl");
  // Python's pattern.match() is anchored at the start.
  var INVALID_PRECEDING = new RegExp("^(?:" + P.invalidUrlWithoutProtocolPrecedingChars[0] + ")",
    P.invalidUrlWithoutProtocolPrecedingChars[1]);
  var SENTENCE_BOUNDARY = new RegExp(
    "(?<=[。！？][" + CLOSERS + "]*)(?![" + CLOSERS + "\\s])|(?<=[.!?][" + CLOSERS + "]*\\s+)(?=\\S)|(?<=\\n)(?=[^\\n])", "u");
  var WORD_BOUNDARY = /(?<=\s)(?=\S)/u;
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  function codePointLength(text) {
    return Array.from(text).length;
  }

  function graphemes(text) {
    if (!segmenter) {
      return Array.from(text);
    }
    return Array.from(segmenter.segment(text), function (part) { return part.segment; });
  }

  // Python's str.strip(): white space as str.isspace() sees it.
  var PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var STRIP = new RegExp("^[" + PY_SPACE + "]+|[" + PY_SPACE + "]+$", "gu");
  function strip(text) {
    return text.replace(STRIP, "");
  }

  // --- Python's domain.encode("idna") (IDNA 2003), which twitter-text uses to
  // tell a valid domain: nameprep with Python's tables (x_count_patterns.js),
  // punycode, and labels of 1 to 63 characters.
  var IDNA = P.idna;
  var REMOVED = new RegExp(IDNA.removed[0], "u");
  var PROHIBITED = new RegExp(IDNA.prohibited[0], "u");
  var RTL = new RegExp(IDNA.rtl[0], "u");
  var LTR = new RegExp(IDNA.ltr[0], "u");
  var ASCII = /^[\x00-\x7f]*$/;

  function nameprep(label) {
    var mapped = "";
    Array.from(label).forEach(function (char) {
      if (!REMOVED.test(char)) {
        mapped += IDNA.caseMapping[char] !== undefined ? IDNA.caseMapping[char] : char;
      }
    });
    var chars = Array.from(mapped.normalize("NFKC"));
    if (chars.some(function (char) { return PROHIBITED.test(char); })) {
      return null;
    }
    var rtl = chars.map(function (char) { return RTL.test(char); });
    if (rtl.indexOf(true) >= 0) {
      if (chars.some(function (char) { return LTR.test(char); }) || !rtl[0] || !rtl[rtl.length - 1]) {
        return null;
      }
    }
    return chars.join("");
  }

  // RFC 3492, as Python's "punycode" codec.
  function punycode(text) {
    var codePoints = Array.from(text, function (char) { return char.codePointAt(0); });
    var output = codePoints.filter(function (c) { return c < 0x80; }).map(function (c) { return String.fromCharCode(c); }).join("");
    var basic = output.length, handled = basic;
    if (basic > 0) {
      output += "-";
    }
    var n = 128, delta = 0, bias = 72;
    var digit = function (d) { return String.fromCharCode(d < 26 ? d + 97 : d + 22); };
    var adapt = function (delta, points, first) {
      delta = first ? Math.floor(delta / 700) : Math.floor(delta / 2);
      delta += Math.floor(delta / points);
      var k = 0;
      while (delta > 455) {
        delta = Math.floor(delta / 35);
        k += 36;
      }
      return k + Math.floor((36 * delta) / (delta + 38));
    };
    while (handled < codePoints.length) {
      var next = Infinity;
      codePoints.forEach(function (c) { if (c >= n && c < next) { next = c; } });
      delta += (next - n) * (handled + 1);
      n = next;
      for (var i = 0; i < codePoints.length; i++) {
        if (codePoints[i] < n) {
          delta++;
        }
        if (codePoints[i] === n) {
          var q = delta;
          for (var k = 36; ; k += 36) {
            var t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if (q < t) {
              break;
            }
            output += digit(t + ((q - t) % (36 - t)));
            q = Math.floor((q - t) / (36 - t));
          }
          output += digit(q);
          bias = adapt(delta, handled + 1, handled === basic);
          delta = 0;
          handled++;
        }
      }
      delta++;
      n++;
    }
    return output;
  }

  function labelToAscii(label) {
    if (!ASCII.test(label)) {
      label = nameprep(label);
      if (label === null) {
        return null;
      }
      if (!ASCII.test(label)) {
        if (label.indexOf("xn--") === 0) {
          return null;
        }
        label = "xn--" + punycode(label);
      }
    }
    return label.length > 0 && label.length < 64 ? label : null;
  }

  function idnaToAscii(domain) {
    if (!domain) {
      return null;
    }
    var labels;
    if (ASCII.test(domain)) {
      labels = domain.split(".");
      for (var i = 0; i < labels.length; i++) {
        var last = i === labels.length - 1;
        if (labels[i].length >= 64 || (!last && labels[i].length === 0)) {
          return null;
        }
      }
      return domain;
    }
    labels = domain.split(/[.\u3002\uFF0E\uFF61]/);
    var trailingDot = "";
    if (labels.length && labels[labels.length - 1] === "") {
      trailingDot = ".";
      labels.pop();
    }
    var result = [];
    for (var j = 0; j < labels.length; j++) {
      var ascii = labelToAscii(labels[j]);
      if (ascii === null) {
        return null;
      }
      result.push(ascii);
    }
    return result.join(".") + trailingDot;
  }

  function isValidUrl(url, protocol, domain) {
    var puny = idnaToAscii(domain);
    if (!puny) {
      return false;
    }
    return protocol.length + codePointLength(url) + puny.length - codePointLength(domain) <= 4096;
  }

  // twitter-text's extract_urls_with_indices (indices in UTF-16 units here,
  // code points in Python: each side skips a URL by its own length).
  function extractUrls(text) {
    var urls = [];
    if (text === "" || text.indexOf(".") === -1) {
      return urls;
    }
    EXTRACT_URL.lastIndex = 0;
    var match;
    while ((match = EXTRACT_URL.exec(text)) !== null) {
      var before = match[2] || "", url = match[3], protocol = match[4], domain = match[5], path = match[7];
      var end = match.index + match[0].length;
      var start = end - url.length;
      if (!isValidUrl(url, protocol || "https://", domain)) {
        continue;
      }
      if (!protocol) {
        if (INVALID_PRECEDING.test(before)) {
          continue;
        }
        var last = null, ascii;
        VALID_ASCII_DOMAIN.lastIndex = 0;
        while ((ascii = VALID_ASCII_DOMAIN.exec(domain)) !== null) {
          last = { url: ascii[0], start: start + ascii.index };
          urls.push(last);
        }
        if (last && path) {
          last.url = url.split(domain).join(last.url);
        }
      } else {
        var tco = VALID_TCO_URL.exec(url);
        if (tco) {
          if (tco[1] && tco[1].length > 40) {
            continue;
          }
          url = tco[0];
        }
        urls.push({ url: url, start: start });
      }
    }
    return urls;
  }

  function characterWeight(codePoint) {
    var ranges = P.weights.ranges;
    for (var i = 0; i < ranges.length; i++) {
      if (ranges[i].start <= codePoint && codePoint <= ranges[i].end) {
        return ranges[i].weight;
      }
    }
    return P.weights.default_weight;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
  }

  // publishing.compose.x_weighted_length(text, site_links=True).
  function xWeightedLength(text, siteUrl) {
    var weights = P.weights;
    text = text.normalize("NFC");
    if (siteUrl) {
      var site = new RegExp(escapeRegExp(siteUrl.normalize("NFC")) + P.siteLinkTail[0], "gu");
      text = text.replace(site, function () { return P.tCoLink; });
    }
    text = text.normalize("NFC").replace(/\r\n|\r|\n/g, "\n");
    var urlAt = {}, emojiAt = {};
    extractUrls(text).forEach(function (url) { urlAt[url.start] = url.url; });
    EMOJI.lastIndex = 0;
    var match;
    while ((match = EMOJI.exec(text)) !== null) {
      emojiAt[match.index] = match[0];
    }
    var weighted = 0, index = 0;
    while (index < text.length) {
      if (urlAt[index] !== undefined) {
        weighted += weights.transformed_url_length * weights.scale;
        index += urlAt[index].length;
      } else if (emojiAt[index] !== undefined) {
        weighted += weights.default_weight;
        index += emojiAt[index].length;
      } else {
        var codePoint = text.codePointAt(index);
        weighted += characterWeight(codePoint);
        index += codePoint > 0xffff ? 2 : 1;
      }
    }
    return Math.floor(weighted / weights.scale);
  }

  // --- Splitting: conversations.compose.reply_parts -------------------------------------

  function applySignature(text, signature) {
    text = strip(text.normalize("NFC"));
    if (!signature || !signature.text) {
      return text;
    }
    if (signature.atStart) {
      var joiner = "。、！？".indexOf(signature.text.slice(-1)) >= 0 ? "" : " ";
      return strip(signature.text + joiner + text);
    }
    return strip(text + "\n" + signature.text);
  }

  function marker(index, count, language) {
    if (count === 1) {
      return "";
    }
    if (language === "ja") {
      return index === count - 1 ? "" : CONTINUED_JA;
    }
    return " (" + (index + 1) + "/" + count + ")";
  }

  function units(text, level) {
    if (level === "grapheme") {
      return graphemes(text);
    }
    var boundary = level === "sentence" ? SENTENCE_BOUNDARY : WORD_BOUNDARY;
    return text.split(boundary).filter(function (piece) { return piece !== ""; });
  }

  function pack(list, fits) {
    var parts = [];
    var start = 0;
    while (start < list.length) {
      if (!strip(list.slice(start).join(""))) {
        break;
      }
      if (parts.length === MAX_PARTS || !fits(parts.length, list[start])) {
        return null;
      }
      var low = 1, high = list.length - start;
      while (low < high) {
        var middle = Math.floor((low + high + 1) / 2);
        if (fits(parts.length, list.slice(start, start + middle).join(""))) {
          low = middle;
        } else {
          high = middle - 1;
        }
      }
      var part = strip(list.slice(start, start + low).join(""));
      if (part) {
        parts.push(part);
      }
      start += low;
    }
    return parts;
  }

  function split(body, prefix, language, rules) {
    var worst = marker(0, MAX_PARTS, language);
    var fits = function (index, text) {
      return rules.measure((index === 0 ? prefix : "") + strip(text) + worst) <= rules.limit;
    };
    var levels = ["sentence", "word", "grapheme"];
    for (var i = 0; i < levels.length; i++) {
      var parts = pack(units(body, levels[i]), fits);
      if (parts !== null) {
        return parts;
      }
    }
    return null;
  }

  // {parts: [...], length, limit} or {parts: null, length, limit} when too long.
  function replyParts(options) {
    var body = applySignature(options.text, options.signature);
    var rules;
    if (options.network === "x") {
      rules = { measure: function (text) { return xWeightedLength(text, options.siteUrl); }, limit: P.weights.max_weighted_tweet_length };
    } else if (options.network === "facebook") {
      rules = { measure: function (text) { return graphemes(text).length; }, limit: FACEBOOK_LIMIT };
    } else {
      return { parts: [body], length: graphemes(body).length, limit: null };
    }
    var handle = (options.handle || "").replace(/^@+/, "");
    var prefix = options.network === "x" && handle ? "@" + handle + " " : "";
    var whole = prefix + body;
    var length = rules.measure(whole);
    if (length <= rules.limit) {
      return { parts: [whole], length: length, limit: rules.limit };
    }
    var packed = length > MAX_PARTS * rules.limit ? null : split(body, prefix, options.language, rules);
    if (!packed) {
      return { parts: null, length: length, limit: rules.limit };
    }
    var parts = packed.map(function (part, index) {
      return (index === 0 ? prefix : "") + part + marker(index, packed.length, options.language);
    });
    return { parts: parts, length: length, limit: rules.limit };
  }

  var api = { xWeightedLength: xWeightedLength, replyParts: replyParts };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  root.TipcastXCount = api;

  // --- The composer on the conversation page (templates/conversations/_composer.html) ---

  if (typeof document === "undefined") {
    return;
  }

  function setUp(form) {
    var textarea = form.querySelector("textarea[name$='text']");
    var output = form.querySelector(".tipcast-composer-count");
    var savedReply = form.querySelector("select[name$='saved_reply']");
    var tip = form.querySelector("[name$='tip']");
    var data = form.dataset;
    if (!textarea || !output) {
      return;
    }
    var savedBodies = {};
    var savedData = document.getElementById(data.savedRepliesId || "");
    if (savedData) {
      savedBodies = JSON.parse(savedData.textContent);
    }

    function update() {
      var text = textarea.value;
      if (tip && tip.value.trim()) {
        // The server appends the tip's link on its own line; X counts it 23.
        text += "\n" + P.tCoLink;
      }
      var result = replyParts({
        text: text,
        network: data.network,
        handle: data.handle,
        language: data.language,
        siteUrl: data.siteUrl,
        signature: { text: data.signature || "", atStart: data.signatureAtStart === "1" },
      });
      var parts;
      if (result.parts === null) {
        parts = data.labelTooLong;
      } else if (result.parts.length === 1) {
        parts = data.labelOnePost;
      } else {
        parts = data.labelPosts.replace("{count}", result.parts.length);
      }
      output.textContent = result.limit === null ? parts : result.length + " / " + result.limit + " · " + parts;
      output.classList.toggle("is-over", result.parts === null);
    }

    if (savedReply) {
      // Insert the saved reply where the cursor is, then reset the picker so the
      // server does not add it a second time.
      savedReply.addEventListener("change", function () {
        var body = savedBodies[savedReply.value];
        if (body === undefined) {
          return;
        }
        var at = typeof textarea.selectionStart === "number" ? textarea.selectionStart : textarea.value.length;
        textarea.value = textarea.value.slice(0, at) + body + textarea.value.slice(at);
        savedReply.value = "";
        textarea.focus();
        update();
      });
    }
    // Counting a long text takes a few milliseconds: count once typing pauses.
    var timer = null;
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    };
    textarea.addEventListener("input", later);
    if (tip) {
      tip.addEventListener("input", later);
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".tipcast-composer").forEach(setUp);
  });
})(typeof window !== "undefined" ? window : globalThis);
