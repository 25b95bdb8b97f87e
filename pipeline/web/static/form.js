"use strict";
const form = document.getElementById("profile");
const savedLabel = document.getElementById("saved");

function splitLines(text) {
  return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
}

// The form as the server's FormState.
function collect() {
  const state = {spec: form.dataset.spec, aspects: {}, last_year: [], case_study: {}};
  form.querySelectorAll("[data-f]").forEach(function (el) {
    state[el.dataset.f] = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value;
  });
  form.querySelectorAll("[data-l]").forEach(function (el) { state[el.dataset.l] = splitLines(el.value); });
  form.querySelectorAll("fieldset.aspect").forEach(function (fs) {
    state.aspects[fs.dataset.aspect] = Array.from(fs.querySelectorAll(".row")).map(function (row) {
      const r = {};
      row.querySelectorAll("[data-r]").forEach(function (el) {
        r[el.dataset.r] = el.dataset.r === "facts" ? splitLines(el.value) : el.value;
      });
      return r;
    });
  });
  form.querySelectorAll("#last-year .ly-row").forEach(function (row) {
    state.last_year.push(lyRowData(row));
  });
  state.causes = {};
  form.querySelectorAll("[data-cause]").forEach(function (box) {
    const note = form.querySelector("[data-cause-note='" + box.dataset.cause + "']");
    if (note.value.trim() && !box.checked) box.checked = true;  // a 剖析 written is a root the unit names
    if (box.checked) state.causes[box.dataset.cause] = note.value;
  });
  form.querySelectorAll("[data-c]").forEach(function (el) {
    state.case_study[el.dataset.c] = el.dataset.c === "facts" || el.dataset.c === "gaps" ? splitLines(el.value) : el.value;
  });
  state.members = collectMembers();
  state.session = {};
  state.outcome = {};
  form.querySelectorAll("[data-fact]").forEach(function (el) {
    const [part, key] = el.dataset.fact.split(".");
    state[part][key] = el.dataset.many ? splitLines(el.value) : el.value;
  });
  return state;
}

let timer = null;
let saving = Promise.resolve();
// Saves go one after another, so an older form never lands after a newer one; the label says 已自动保存 only
// when nothing typed is still waiting. `leaving`: the page is closing, the request must outlive it.
function save(leaving) {
  clearTimeout(timer);
  timer = null;
  savedLabel.textContent = "保存中…";
  saving = saving.then(function () {
    const state = collect();
    // The revision this page last saw: a save from a page another tab has saved over since is refused.
    const headers = {"X-Form-Revision": form.dataset.revision};
    return api("/api/form", {body: state, headers: headers, keepalive: leaving === true}).then(function (data) {
      form.dataset.revision = String(data.revision);
      if (timer === null) savedLabel.textContent = "已自动保存 " + data.at;
      return feedback(state);
    });
  }).catch(function (e) { savedLabel.textContent = "未能保存：" + e.message; });
  return saving;
}

// The reviewer's warnings beside each field as typed, and what each part still lacks.
function warnBox(anchor, text) {
  const box = document.createElement("div");
  box.className = "warn";
  box.textContent = text;
  anchor.appendChild(box);
}
// Warnings under one part's problem fields and 剖析: the 班子's (form, fieldset.aspect, data-cause-note) or a
// member's (its element, fieldset.member-aspect, data-mc).
function placeWarnings(scope, aspectSelector, noteAttr, data) {
  scope.querySelectorAll(aspectSelector).forEach(function (fs) {
    const rows = fs.querySelectorAll(".row");
    data.fields.filter(function (f) { return f.aspect === fs.dataset.aspect; }).forEach(function (f) {
      const el = rows[f.row] && rows[f.row].querySelector("[data-r=" + f.field + "]");
      if (el) warnBox(el.closest("label"), f.warnings.join("；"));
    });
  });
  Object.keys(data.causes).forEach(function (root) {
    const el = scope.querySelector("[" + noteAttr + "='" + root + "']");
    if (el) warnBox(el.closest("label"), data.causes[root].join("；"));
  });
}
function meterLine(meter, line, text, part) {
  const li = document.createElement("li");
  li.className = line.ok ? "ok" : "lack";
  li.dataset.part = part;
  li.textContent = text;
  meter.appendChild(li);
  return li;
}
function feedback(state) {
  return api("/api/form/feedback", {body: state}).then(function (data) {
    form.querySelectorAll(".warn").forEach(function (el) { el.remove(); });
    placeWarnings(form, "fieldset.aspect", "data-cause-note", data);
    const meter = document.getElementById("meter");
    meter.innerHTML = "";
    data.meter.forEach(function (line) { meterLine(meter, line, line.text, line.part); });
    memberFeedback(data.members || [], meter);
  }).catch(function () { /* the warnings are advice: a failed request leaves the form as it is */ });
}
function saveSoon() {
  clearTimeout(timer);
  savedLabel.textContent = "有未保存的修改";
  timer = setTimeout(save, 600);
}
form.addEventListener("input", saveSoon);
// Once every script is in (members.js collects the members): the warnings and meter of the saved form.
window.addEventListener("load", function () { feedback(collect()); });
form.addEventListener("change", saveSoon);
window.addEventListener("beforeunload", function () { if (timer) save(true); });

function addRow(container, templateId, values) {
  const node = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
  Object.keys(values || {}).forEach(function (key) {
    const el = node.querySelector("[data-r=" + key + "]");
    if (el) el.value = values[key];
  });
  container.appendChild(node);
  return node;
}

form.addEventListener("click", function (event) {
  const target = event.target;
  if (target.classList.contains("add-row")) {
    addRow(target.closest("fieldset").querySelector(".rows"), "row-template").querySelector("input").focus();
    saveSoon();
  } else if (target.classList.contains("remove")) {
    target.closest(".row").remove();
    saveSoon();
  } else if (target.classList.contains("drop-source")) {
    markSource(target.closest(".row"), "");  // the clerk says it was not raised in 征求意见
    saveSoon();
  }
});
// Where a problem row was raised: the hidden input the ledger's 来源 comes from, and its visible tag.
function markSource(row, source) {
  row.querySelector("[data-r=source]").value = source;
  row.querySelector(".source-tag").hidden = source !== "征求意见";
}
document.getElementById("add-last-year").addEventListener("click", function () {
  addRow(document.getElementById("last-year"), "ly-template");
  saveSoon();
});

// 征求意见: proposals come back with an aspect each (the 班子's); the user confirms them or moves one to another
// aspect, or to a member's aspect when the opinion is about one member (members.js offers those).
document.getElementById("opinions-assign").addEventListener("click", async function () {
  const result = document.getElementById("opinions-result");
  const assign = this;
  try {
    await save();
    const data = await busy(assign, "正在分配，请稍候…", function () {
      return api("/api/opinions", {body: {text: document.getElementById("opinions-text").value}});
    });
    result.innerHTML = "";
    const list = document.createElement("ol");
    list.className = "opinions";
    data.opinions.forEach(function (op) {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.className = "opinion-text";
      text.textContent = op.text;
      const select = opinionTargets(data.aspects);
      select.value = op.aspect;
      const keep = document.createElement("input");
      keep.type = "checkbox"; keep.checked = true; keep.title = "确认";
      li.append(keep, text, document.createTextNode(" → "), select);
      list.appendChild(li);
    });
    const confirm = document.createElement("button");
    confirm.type = "button"; confirm.id = "opinions-confirm"; confirm.textContent = "确认，加入对应方面的问题";
    confirm.addEventListener("click", function () {
      const unplaced = [];
      list.querySelectorAll("li").forEach(function (li) {
        if (!li.querySelector("input").checked) return;
        const fieldset = opinionFieldset(li.querySelector("select").selectedOptions[0]);
        if (!fieldset) { unplaced.push(li.querySelector(".opinion-text").textContent); return; }
        const rows = fieldset.querySelector(".rows");
        const empty = Array.from(rows.querySelectorAll(".row")).find(function (row) {
          return Array.from(row.querySelectorAll("[data-r]")).every(function (el) { return !el.value.trim(); });
        });
        const text = li.querySelector(".opinion-text").textContent;
        const row = empty || addRow(rows, "row-template");
        row.querySelector("[data-r=problem]").value = text;
        markSource(row, "征求意见");
      });
      const count = form.querySelector("[data-f=opinions_count]");
      if (!count.value.trim()) count.value = String(list.querySelectorAll("li").length);
      // Placed: no longer waiting to be assigned; a line whose member was removed meanwhile stays to assign again.
      document.getElementById("opinions-text").value = unplaced.join("\n");
      result.innerHTML = "<p class='hint'>已加入，请在各方面补充具体事例。</p>";
      if (unplaced.length) showMessage(unplaced.length + " 条意见所选的成员已删除，未加入，仍留在上面的意见栏中。");
      save();
    });
    result.append(list, confirm);
    showMessage("");
  } catch (e) { showMessage(e.message); }
});

const undoButton = document.getElementById("undo-step");
if (undoButton) {
  undoButton.addEventListener("click", async function () {
    try {
      if (timer) await save();
      const data = await api("/api/form/undo");
      window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
}

// Draft: start a job, then follow its progress over server-sent events.
const draftButton = document.getElementById("draft");
const progress = document.getElementById("progress");

function follow(jobId, items) {
  const rows = {};
  if (items) {
    progress.innerHTML = "";
    items.forEach(function (item) {
      const li = document.createElement("li");
      li.textContent = item.label;
      li.dataset.label = item.label;
      li.className = "waiting";
      rows[item.key] = li;
      progress.appendChild(li);
    });
  }
  draftButton.disabled = true;
  draftButton.textContent = "起草中…";
  const source = new EventSource("/api/jobs/" + jobId + "/events");
  source.onmessage = function (message) {
    const event = JSON.parse(message.data);
    const row = rows[event.key];
    if (row && (event.kind === "done" || event.kind === "cached" || event.kind === "done-item")) row.className = "done";
    else if (row && event.kind === "start") row.className = "working";
    else if (row && event.kind === "item") {
      // A whole meeting reports each material's sections as they land.
      row.textContent = row.dataset.label + "（" + event.done + "/" + event.total + " 段）";
      if (row.className !== "done") row.className = "working";
    } else if (event.kind === "done") {
      source.close();
      window.location.href = draftButton.dataset.redirect || "/review";
    } else if (event.kind === "failed") {
      source.close();
      showMessage(event.message);
      draftButton.disabled = false;
      refreshDraftLabel();
    }
  };
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      draftButton.disabled = false;
      refreshDraftLabel();
    }
  };
}

draftButton.addEventListener("click", async function () {
  showMessage("");
  // Over a draft the clerk edited in the review page: asked first (before anything is saved or sent).
  const question = draftButton.dataset.ask;
  if (question && !window.confirm(question)) return;
  draftButton.disabled = true;  // busy at once: saving and planning can take a moment
  draftButton.textContent = "正在准备…";
  try {
    await save();
    const mode = document.querySelector("input[name=mode]:checked").value;
    const data = await replacing("", function (replace) {
      return api("/api/draft", {body: {offline: mode !== "model", replace: Boolean(question) || replace}});
    });
    if (!data) { draftButton.disabled = false; refreshDraftLabel(); return; }
    if (data.redirect) draftButton.dataset.redirect = data.redirect;
    follow(data.job, data.items);
  } catch (e) {
    showMessage(e.message);
    draftButton.disabled = false;
    refreshDraftLabel();
  }
});
if (draftButton.dataset.job) follow(draftButton.dataset.job, null);

// The YAML download: save first, then as every download (common.js): a form that cannot make a profile is one message.
document.getElementById("yaml-download").addEventListener("click", async function (event) {
  event.preventDefault();
  await save();
  await download(this);
});
