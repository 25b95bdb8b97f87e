"use strict";
// 上年度整改: last year's material or the kept 整改清单 is read by the server; its entries are listed here to edit,
// untick or delete, and 确认 merges them into the rows already typed (the server pairs the same problem; the
// typed text stays unless the clerk agrees, in a dialog, to take what was read).
const lyFound = document.getElementById("ly-found");

// One last-year row as the server's LastYearRow (form.js and members.js collect rows with it too).
function lyRowData(row) {
  const r = {};
  row.querySelectorAll("[data-r]").forEach(function (el) { r[el.dataset.r] = el.value; });
  return r;
}

function fillLyRow(node, values) {
  Object.keys(values).forEach(function (key) {
    const el = node.querySelector("[data-r=" + key + "]");
    if (!el) return;
    if (el.tagName === "SELECT" && values[key] && !Array.from(el.options).some(function (o) { return o.value === values[key]; })) {
      el.add(new Option(values[key], values[key]));  // a 状态 written otherwise in the clerk's file is kept as written
    }
    el.value = values[key] || "";
  });
  node.querySelector(".ly-source").textContent = values.source ? "来自：" + values.source : "";
  return node;
}

function lyMember(name) {
  return memberElements().find(function (member) { return memberName(member) === name; });
}

// Typed here: the list is the clerk's work in progress, not yet the form, so it neither autosaves nor counts.
["input", "change"].forEach(function (kind) {
  lyFound.addEventListener(kind, function (event) { event.stopPropagation(); });
});

function showFound(data) {
  lyFound.innerHTML = "";
  const head = document.createElement("p");
  head.className = "hint";
  head.textContent = "从" + data.source + " 读出 " + data.entries.length + " 条。请逐条核对、修改；不加入的取消勾选或删除，然后确认。";
  lyFound.appendChild(head);
  if (data.warnings.length) {
    const more = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "整改清单有 " + data.warnings.length + " 处提示";
    const list = document.createElement("ul");
    data.warnings.forEach(function (text) {
      const li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
    more.append(summary, list);
    lyFound.appendChild(more);
  }
  const rows = document.createElement("div");
  rows.className = "found-rows";
  data.entries.forEach(function (entry) {
    const node = fillLyRow(document.getElementById("ly-found-template").content.firstElementChild.cloneNode(true), entry);
    node.dataset.who = entry.who || "";
    const notes = [];
    if (entry.overdue) notes.push("已逾期");
    if (entry.who) notes.push("成员：" + entry.who + (lyMember(entry.who) ? "" : "（表单中没有这位成员，不加入）"));
    if (notes.length) node.querySelector(".ly-source").textContent += "　" + notes.join("　");
    if (entry.who && !lyMember(entry.who)) node.querySelector(".found-keep").checked = false;
    rows.appendChild(node);
  });
  const confirm = document.createElement("button");
  confirm.type = "button"; confirm.id = "ly-confirm"; confirm.className = "primary";
  confirm.textContent = "确认，加入上年度整改情况";
  const cancel = document.createElement("button");
  cancel.type = "button"; cancel.id = "ly-cancel"; cancel.textContent = "放弃";
  lyFound.append(rows, confirm, cancel);
  lyFound.hidden = false;
  lyFound.scrollIntoView({block: "nearest"});
}

function closeFound(note) {
  lyFound.innerHTML = note ? "<p class='hint'></p>" : "";
  if (note) lyFound.querySelector("p").textContent = note;
  lyFound.hidden = !note;
}

// `who`: a member's own material, whose problems go to that member's rows. The list is shown under the button
// that read it (the 班子's section or the member's panel), so it is read beside the rows it will join.
async function readLastYear(input, url, button, who) {
  if (!input.files.length) { showMessage("请先选择文件"); return; }
  const body = new FormData();
  body.append("file", input.files[0]);
  try {
    const data = await busy(button, "正在读取…", function () { return api(url, {body: body}); });
    if (who) data.entries.forEach(function (entry) { entry.who = entry.who || who; });
    showMessage("");
    button.closest(".ly-import").after(lyFound);
    showFound(data);
  } catch (e) { showMessage(e.message); }
}

document.getElementById("ly-material").addEventListener("click", function () {
  readLastYear(document.getElementById("ly-material-file"), "/api/last-year/material", this);
});
document.getElementById("ly-ledger").addEventListener("click", function () {
  readLastYear(document.getElementById("ly-ledger-file"), "/api/last-year/ledger", this);
});
membersBox.addEventListener("click", function (event) {
  if (!event.target.classList.contains("ly-member-read")) return;
  const member = event.target.closest(".member");
  if (!memberName(member)) { showMessage("请先填写这位成员的姓名"); return; }
  readLastYear(member.querySelector(".ly-member-file"), "/api/last-year/material", event.target, memberName(member));
});

const FIELD_NAMES = {measure: "整改措施", owner: "责任人", deadline: "时限", status: "状态", fixed: "完成情况"};

async function confirmFound(button) {
  // Where each kept entry goes: the 班子's rows, or the rows of the member the ledger names.
  const targets = [];
  lyFound.querySelectorAll(".found-row").forEach(function (row) {
    const data = lyRowData(row);
    if (!row.querySelector(".found-keep").checked || !data.problem.trim()) return;
    const member = row.dataset.who ? lyMember(row.dataset.who) : null;
    if (row.dataset.who && !member) return;
    const box = member ? member.querySelector(".member-last-year") : document.getElementById("last-year");
    let target = targets.find(function (t) { return t.box === box; });
    if (!target) {
      const typed = Array.from(box.querySelectorAll(":scope > .ly-row"));
      target = {box: box, typed: typed, found: []};
      targets.push(target);
    }
    target.found.push(data);
  });
  if (!targets.length) { showMessage("没有勾选要加入的问题"); return; }
  const groups = targets.map(function (t) {
    return {typed: t.typed.map(lyRowData).filter(function (r) { return r.problem.trim(); }), found: t.found};
  });
  let answer;
  try {
    answer = await busy(button, "正在合并…", function () { return api("/api/last-year/merge", {body: {groups: groups}}); });
  } catch (e) { showMessage(e.message); return; }
  const differences = [];
  answer.groups.forEach(function (group) {
    group.differences.forEach(function (d) {
      differences.push("“" + group.rows[d.row].problem + "”的" + FIELD_NAMES[d.field] + "：已填“" + d.typed + "”，读出“" + d.read + "”");
    });
  });
  const takeRead = differences.length > 0 && window.confirm(
    "读出的内容与已填写的有 " + differences.length + " 处不同：\n" + differences.slice(0, 8).join("\n") +
    (differences.length > 8 ? "\n……" : "") + "\n\n确定：改用读出的内容；取消：保留已填写的。");
  let added = 0, merged = 0;
  targets.forEach(function (target, index) {
    const group = answer.groups[index];
    if (takeRead) group.differences.forEach(function (d) { group.rows[d.row][d.field] = d.read; });
    added += group.rows.length - groups[index].typed.length;
    merged += groups[index].found.length - (group.rows.length - groups[index].typed.length);
    // Rows with text but no problem yet stay as typed, after the merged ones; blank rows go.
    const unfinished = target.typed.filter(function (row) {
      const r = lyRowData(row);
      return !r.problem.trim() && Object.keys(r).some(function (k) { return r[k].trim(); });
    });
    target.box.querySelectorAll(":scope > .ly-row").forEach(function (row) { row.remove(); });
    group.rows.forEach(function (values) { fillLyRow(addRow(target.box, "ly-template"), values); });
    unfinished.forEach(function (row) { target.box.appendChild(row); });
  });
  closeFound("已加入 " + added + " 条" + (merged ? "，" + merged + " 条与已填写的问题相同，已合并" : "") +
             "。请逐条补写完成情况（本单位的整改结果）。");
  save();
}

lyFound.addEventListener("click", function (event) {
  const target = event.target;
  if (target.classList.contains("found-delete")) target.closest(".found-row").remove();
  else if (target.id === "ly-cancel") closeFound("");
  else if (target.id === "ly-confirm") confirmFound(target);
});
