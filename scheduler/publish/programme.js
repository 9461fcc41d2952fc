/* programme.html's script: search, filters, "my agenda" (stars kept in localStorage, exported as .ics).
   Vanilla JavaScript, no library, nothing fetched: the page works offline from a USB stick. It reads the
   programme from the JSON block #programme-data and never puts that text into markup (textContent only). */
(function () {
  "use strict";
  var source = document.getElementById("programme-data");
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var words = data.words;
  var byGuid = {};
  data.sessions.forEach(function (s) { byGuid[s.guid] = s; });

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // --- stars, kept in this browser ------------------------------------------------------------------
  var stars = new Set();
  var storage = null;
  try {
    storage = window.localStorage;
    JSON.parse(storage.getItem(data.key) || "[]").forEach(function (g) { if (byGuid[g]) stars.add(g); });
  } catch (e) {
    storage = null; // private mode or storage refused: stars last until the page is closed
  }
  function save() {
    if (!storage) return;
    try { storage.setItem(data.key, JSON.stringify(Array.from(stars))); } catch (e) { /* full: ignore */ }
  }

  var articles = Array.prototype.slice.call(document.querySelectorAll("article.session[data-guid]"));
  var cells = Array.prototype.slice.call(document.querySelectorAll("td.session[data-guid]"));
  var haystack = {};
  data.sessions.forEach(function (s) {
    haystack[s.guid] = fold([s.label, s.title, s.room, s.track, s.kind, s.speakers.join(" "), s.description]
      .join(" "));
  });

  var controls = document.getElementById("controls");
  var search = document.getElementById("search");
  var filters = ["day", "track", "room"].map(function (n) { return document.getElementById("filter-" + n); })
    .filter(Boolean);
  var onlyStarred = document.getElementById("only-starred");
  var exportButton = document.getElementById("export");
  var count = document.getElementById("result-count");
  var nothing = document.getElementById("nothing");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }

  function showStars() {
    articles.forEach(function (a) {
      var on = stars.has(a.dataset.guid);
      var button = a.querySelector("button.star");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.firstChild.textContent = on ? "★" : "☆";
    });
    cells.forEach(function (td) {
      var mark = td.querySelector(".star-mark");
      if (mark) mark.hidden = !stars.has(td.dataset.guid);
    });
    exportButton.disabled = stars.size === 0;
  }

  function apply() {
    var terms = fold(search.value).split(/\s+/).filter(Boolean);
    var wanted = {};
    filters.forEach(function (f) { wanted[f.id.slice(7)] = f.value; });
    var shown = 0;
    var match = {};
    articles.forEach(function (a) {
      var g = a.dataset.guid;
      var ok = terms.every(function (t) { return haystack[g].indexOf(t) >= 0; })
        && (!wanted.day || a.dataset.day === wanted.day)
        && (!wanted.track || a.dataset.track === wanted.track)
        && (!wanted.room || a.dataset.room === wanted.room)
        && (!onlyStarred.checked || stars.has(g));
      a.hidden = !ok;
      match[g] = ok;
      if (ok) shown += 1;
    });
    document.querySelectorAll(".slot-block, .day-block").forEach(function (block) {
      block.hidden = !block.querySelector("article.session:not([hidden])");
    });
    cells.forEach(function (td) { td.classList.toggle("filtered-out", !match[td.dataset.guid]); });
    document.querySelectorAll("section.day[data-day]").forEach(function (section) {
      section.hidden = Boolean(wanted.day) && section.dataset.day !== wanted.day;
    });
    nothing.hidden = shown > 0;
    var text = fill(words.count, { n: shown, t: articles.length });
    if (stars.size) text += " · " + fill(words.starred, { n: stars.size });
    count.textContent = text;
  }

  // --- .ics export (RFC 5545): the starred sessions, same UIDs as programme.ics -------------------------
  function icsText(value) {
    return String(value).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,")
      .replace(/\r\n|\r|\n/g, "\\n");
  }
  var encoder = new TextEncoder();
  function foldLine(line) {
    // at most 75 octets a line, never cutting a UTF-8 character
    var out = [];
    var current = "";
    var size = 0;
    Array.from(line).forEach(function (ch) {
      var n = encoder.encode(ch).length;
      if (size + n > (out.length ? 74 : 75)) {
        out.push(current);
        current = "";
        size = 0;
      }
      current += ch;
      size += n;
    });
    out.push(current);
    return out.join("\r\n ");
  }
  function calendar() {
    var now = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//scheduler//programme my agenda//EN",
      "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:" + icsText(data.event)];
    data.sessions.forEach(function (s) {
      if (!stars.has(s.guid)) return;
      var description = [s.kind];
      if (s.speakers.length) description.push(fill(words.speakers, { s: s.speakers.join(", ") }));
      if (s.description) description.push("", s.description);
      lines.push("BEGIN:VEVENT", "UID:" + s.guid + "@scheduler", "DTSTAMP:" + now,
        "DTSTART:" + s.start, "DTEND:" + s.end, "SUMMARY:" + icsText(s.label + " – " + s.title),
        "LOCATION:" + icsText(s.room), "DESCRIPTION:" + icsText(description.join("\n")));
      if (s.track) lines.push("CATEGORIES:" + icsText(s.track));
      lines.push("END:VEVENT");
    });
    lines.push("END:VCALENDAR");
    return lines.map(foldLine).join("\r\n") + "\r\n";
  }
  function exportStars() {
    var blob = new Blob([calendar()], { type: "text/calendar;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = words.file;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  // --- wiring ----------------------------------------------------------------------------------------
  articles.forEach(function (a) {
    var button = a.querySelector("button.star");
    button.hidden = false;
    button.addEventListener("click", function () {
      var g = a.dataset.guid;
      if (stars.has(g)) stars.delete(g); else stars.add(g);
      save();
      showStars();
      apply();
    });
  });
  search.addEventListener("input", apply);
  filters.forEach(function (f) { f.addEventListener("change", apply); });
  onlyStarred.addEventListener("change", apply);
  exportButton.addEventListener("click", exportStars);
  window.addEventListener("storage", function (event) {
    if (event.key !== data.key) return;
    stars = new Set();
    try { JSON.parse(event.newValue || "[]").forEach(function (g) { if (byGuid[g]) stars.add(g); }); }
    catch (e) { /* ignore */ }
    showStars();
    apply();
  });
  window.schedulerAgenda = { calendar: calendar }; // for tests and curious users
  controls.hidden = false;
  showStars();
  apply();
})();
