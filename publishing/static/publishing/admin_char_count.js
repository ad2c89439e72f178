// Live character count for a tip's per-channel text override in the admin.
// Asks the server (channel.compose) so the count follows each network's own
// rules (X's weighted length, Bluesky's graphemes, Mastodon's instance limit),
// instead of guessing with .length.
(function () {
  "use strict";
  var DELAY_MS = 300;

  function rowOf(textarea) {
    return textarea.closest("tr") || textarea.closest("fieldset") || textarea.parentNode;
  }

  function output(textarea) {
    var next = textarea.nextElementSibling;
    if (next && next.classList.contains("tipcast-char-count-output")) {
      return next;
    }
    var span = document.createElement("div");
    span.className = "tipcast-char-count-output";
    span.setAttribute("aria-live", "polite");
    textarea.parentNode.insertBefore(span, textarea.nextSibling);
    return span;
  }

  // Labels come translated from the server, in data-label-* attributes.
  function label(textarea, name) {
    return textarea.dataset["label" + name] || "";
  }

  function describe(textarea, data) {
    if (!data.ok) {
      return { text: data.error, over: true };
    }
    var details = data.details || {};
    // An empty override is not a post of its own: say that the standard post goes
    // out, and count that one (the count alone read like a full box).
    var prefix = textarea.value.trim() ? "" : label(textarea, "Standard") + " ";
    if (details.weighted_length !== undefined) {
      var max = details.max || 280;
      return {
        text: prefix + label(textarea, "Weighted") + " " + details.weighted_length + " / " + max,
        over: details.weighted_length > max,
      };
    }
    // Bluesky (graphemes) and Mastodon (graphemes, URLs as 23) send their own count and limit.
    if (details.length !== undefined && details.max !== undefined) {
      return {
        text: prefix + label(textarea, "Characters") + " " + details.length + " / " + details.max,
        over: details.length > details.max,
      };
    }
    return {
      text: prefix + label(textarea, "Characters") + " " + (details.length !== undefined ? details.length : data.length),
      over: false,
    };
  }

  function update(textarea) {
    var out = output(textarea);
    var tip = textarea.dataset.tip;
    var select = rowOf(textarea).querySelector('select[name$="-channel"]');
    if (!tip) {
      out.textContent = label(textarea, "Savefirst");
      return;
    }
    if (!select || !select.value) {
      out.textContent = "";
      return;
    }
    var query = new URLSearchParams({ tip: tip, channel: select.value, text: textarea.value });
    fetch(textarea.dataset.previewUrl + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        var result = describe(textarea, data);
        out.textContent = result.text;
        out.classList.toggle("is-over", result.over);
      })
      .catch(function () { out.textContent = label(textarea, "Unavailable"); });
  }

  function watch(textarea) {
    if (textarea.dataset.countWatched) {
      return;
    }
    textarea.dataset.countWatched = "1";
    var timer = null;
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { update(textarea); }, DELAY_MS);
    };
    textarea.addEventListener("input", later);
    var select = rowOf(textarea).querySelector('select[name$="-channel"]');
    if (select) {
      select.addEventListener("change", later);
    }
    update(textarea);
  }

  function watchAll() {
    document.querySelectorAll("textarea.tipcast-char-count").forEach(function (textarea) {
      if (!textarea.name.includes("__prefix__")) {
        watch(textarea);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", watchAll);
  // Rows added with "Add another" arrive later.
  document.addEventListener("formset:added", watchAll);
})();
