/* Ask a question: suggestions while the title is typed, and a Markdown preview.
   Progressive enhancement only: without this file the form works through
   server round-trips (the Preview button and the confirmation step). */
(function () {
  "use strict";

  var form = document.getElementById("ask-form");
  if (!form || !window.fetch) {
    return;
  }
  var DEBOUNCE_MS = 300;
  var MIN_QUERY_LENGTH = 1; // Japanese: one character (e.g. 箱) is already a word

  var titleInput = form.querySelector("[name=title]");
  var bodyInput = form.querySelector("[name=body]");
  var suggestions = document.getElementById("ask-suggestions");
  var suggestionList = suggestions && suggestions.querySelector("ul");
  var previewSection = document.getElementById("ask-preview");
  var previewBody = document.getElementById("ask-preview-body");
  var previewButton = document.getElementById("ask-preview-button");
  var csrfInput = form.querySelector("[name=csrfmiddlewaretoken]");
  // The title whose similar tips the customer has already seen: the server
  // then sends the question without a "Before you send" step.
  var suggestedFor = document.getElementById("ask-suggested-for");
  // What the self-service metrics already counted for this form ("1"): each
  // stage is counted once per form, and the server carries these through
  // every round trip (metrics/self_service_events.py).
  var startedMarker = document.getElementById("ask-marker-started");
  var shownMarker = document.getElementById("ask-marker-shown");
  var clickedMarker = document.getElementById("ask-marker-clicked");

  // --- Metrics beacon ----------------------------------------------------------
  function countOnce(marker, event) {
    if (!marker || marker.value === "1" || !form.dataset.eventUrl || !csrfInput) {
      return;
    }
    marker.value = "1";
    var data = new FormData();
    data.append("event", event);
    data.append("csrfmiddlewaretoken", csrfInput.value);
    fetch(form.dataset.eventUrl, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrfInput.value },
      credentials: "same-origin",
      keepalive: true,
    }).catch(function () {
      /* A count lost offline is not the customer's problem. */
    });
  }

  form.addEventListener("input", function () {
    countOnce(startedMarker, "started");
  });

  // --- Suggestions -----------------------------------------------------------
  var timer = null;
  var latestRequest = 0;

  function showSuggestions(results, query) {
    suggestionList.replaceChildren();
    results.forEach(function (tip) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = tip.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = tip.title;
      var text = document.createElement("p");
      text.className = "muted";
      text.textContent = tip.excerpt;
      item.append(link, text);
      suggestionList.append(item);
    });
    suggestions.hidden = results.length === 0;
    if (results.length && shownMarker) {
      shownMarker.value = "1"; // the server counted it (count=1 below)
    }
    if (suggestedFor) {
      suggestedFor.value = results.length ? query : "";
    }
  }

  function fetchSuggestions() {
    var query = titleInput.value.trim();
    if (query.length < MIN_QUERY_LENGTH) {
      showSuggestions([], "");
      return;
    }
    var requestNumber = ++latestRequest;
    var url = form.dataset.suggestUrl + "?q=" + encodeURIComponent(query);
    if (shownMarker && shownMarker.value !== "1") {
      url += "&count=1"; // count this form's first answer with tips
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        // Answers can arrive out of order: only the newest query counts.
        if (requestNumber === latestRequest) {
          showSuggestions(data.results || [], query);
        }
      })
      .catch(function () {
        /* Suggestions are a help, not a requirement: stay quiet offline. */
      });
  }

  if (titleInput && suggestionList) {
    // A suggested tip opened (a click, a middle click): the form's first one is counted.
    ["click", "auxclick"].forEach(function (type) {
      suggestionList.addEventListener(type, function (event) {
        if (event.target.closest && event.target.closest("a")) {
          countOnce(clickedMarker, "clicked");
        }
      });
    });
    titleInput.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });
    if (titleInput.value.trim()) {
      fetchSuggestions();
    }
  }

  // --- Preview ---------------------------------------------------------------
  function showPreview(html, message) {
    if (message) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = message;
      previewBody.replaceChildren(note);
    } else {
      // The HTML comes from the server's sanitiser (qa.markup.render_markdown).
      previewBody.innerHTML = html;
    }
    previewSection.hidden = false;
  }

  if (previewButton && bodyInput && previewBody) {
    previewButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (!bodyInput.value.trim()) {
        showPreview("", form.dataset.noPreview);
        return;
      }
      var data = new FormData();
      data.append("body", bodyInput.value);
      data.append("csrfmiddlewaretoken", csrfInput.value);
      previewButton.disabled = true;
      fetch(form.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfInput.value, Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (result) {
          showPreview(result.html);
        })
        .catch(function () {
          showPreview("", form.dataset.previewFailed);
        })
        .finally(function () {
          previewButton.disabled = false;
        });
    });
  }
})();
