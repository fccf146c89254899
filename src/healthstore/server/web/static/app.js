// healthstore's Health app: progressive enhancement only (every page works without it).
"use strict";
(function () {
  // htmx sends the session's CSRF token with every request it makes.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.body.dataset.csrf;
    if (token) event.detail.headers["X-CSRF-Token"] = token;
  });

  // A unit switch applies at once.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Data sources: drag to reorder (buttons do the same from the keyboard). The list may
  // arrive later, loaded by htmx.
  function bindReorder(root) {
    root.querySelectorAll("form[data-reorder]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "true";
      var list = form.querySelector("ol");
      var dragged = null;
      list.addEventListener("dragstart", function (e) {
        dragged = e.target.closest("li");
        if (dragged) dragged.classList.add("dragging");
      });
      list.addEventListener("dragover", function (e) {
        e.preventDefault();
        var over = e.target.closest("li");
        if (!dragged || !over || over === dragged) return;
        var box = over.getBoundingClientRect();
        var after = e.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? over.nextSibling : over);
      });
      list.addEventListener("drop", function (e) {
        e.preventDefault();
        if (dragged) dragged.classList.remove("dragging");
        dragged = null;
        form.submit();
      });
    });
  }
  bindReorder(document);
  document.addEventListener("htmx:load", function (e) { bindReorder(e.target); });

  // A type's chart, drawn with uPlot from the data the page carries.
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || typeof uPlot === "undefined") return;
  var data = JSON.parse(source.textContent);
  var xs = data.buckets.map(function (b) { return Date.parse(b.start) / 1000; });
  var styles = getComputedStyle(document.documentElement);
  var bar = styles.getPropertyValue("--bar").trim() || "#ff375f";
  var avg = styles.getPropertyValue("--avg").trim() || "#0a84ff";
  var text = styles.getPropertyValue("--muted").trim() || "#888";
  var series, values;
  if (data.kind === "sum" || data.kind === "events") {
    values = [xs, data.buckets.map(function (b) { return b.value; })];
    series = [{}, { label: data.unit, fill: bar, stroke: bar,
                    paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } }];
  } else if (data.kind === "paired") {
    values = [xs];
    series = [{}];
    ["systolic", "diastolic"].forEach(function (side, i) {
      var color = i === 0 ? bar : avg;
      ["minimum", "maximum"].forEach(function (k) {
        values.push(data.buckets.map(function (b) { return b[side + "_" + k]; }));
        series.push({ label: side + " " + k.slice(0, 3), stroke: color,
                      paths: uPlot.paths.points(), points: { show: true, size: 6, fill: color } });
      });
    });
  } else {
    values = [xs,
      data.buckets.map(function (b) { return b.minimum; }),
      data.buckets.map(function (b) { return b.average; }),
      data.buckets.map(function (b) { return b.maximum; })];
    series = [{},
      { label: "min", stroke: bar, paths: uPlot.paths.points(), points: { show: true, size: 6, fill: bar } },
      { label: "average", stroke: avg, width: 2, points: { show: true, size: 5 } },
      { label: "max", stroke: bar, paths: uPlot.paths.points(), points: { show: true, size: 6, fill: bar } }];
  }
  var axis = { stroke: text, grid: { stroke: "rgba(128,128,128,.2)" }, ticks: { stroke: "rgba(128,128,128,.3)" } };
  function size() { return { width: Math.max(280, holder.clientWidth), height: 260 }; }
  var plot = new uPlot(Object.assign({
    series: series,
    axes: [axis, Object.assign({ size: 60 }, axis)],
    scales: { x: { time: true } },
    legend: { show: true },
    cursor: { drag: { x: false, y: false } }
  }, size()), values, holder);
  holder.dataset.drawn = "true";
  window.addEventListener("resize", function () { plot.setSize(size()); });
})();

// A chosen file fills a text field (SMART Health Cards and their issuers' keys are small).
document.querySelectorAll("input[type=file][data-fill]").forEach(function (input) {
  input.addEventListener("change", function () {
    var file = input.files[0];
    var target = document.getElementById(input.dataset.fill);
    if (!file || !target) return;
    if (input.dataset.name) document.getElementById(input.dataset.name).value = file.name;
    file.text().then(function (text) { target.value = text; });
  });
});

// Uploads: the file is the request body (streamed to disk by the server), with progress.
(function () {
  var form = document.querySelector("form[data-upload]");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = form.querySelector("input[type=file]").files[0];
    var error = document.getElementById("upload-error");
    var bar = document.getElementById("upload-progress");
    error.textContent = "";
    if (!file) { error.textContent = "Choose a file first"; return; }
    var query = new URLSearchParams({
      kind: form.elements.kind.value, name: file.name, source: form.elements.source.value
    });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") + "?" + query.toString());
    xhr.setRequestHeader("X-CSRF-Token", document.body.dataset.csrf || "");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 200 && body.url) { window.location.assign(body.url); return; }
      if (xhr.status === 401) { window.location.assign("/signin?next=/transfer"); return; }
      bar.hidden = true;
      error.textContent = body.message || "The upload failed (" + xhr.status + ")";
    });
    xhr.addEventListener("error", function () { error.textContent = "The upload did not reach the server"; });
    xhr.send(file);
  });
})();
