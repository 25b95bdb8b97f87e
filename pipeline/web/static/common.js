"use strict";
// Every change goes through api(): the X-Duizhao header marks it as coming from these pages.
async function api(url, options) {
  options = options || {};
  const headers = Object.assign({"X-Duizhao": "1"}, options.headers || {});
  let body = options.body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  let response;
  try {
    // A keepalive request (the last save as the page closes) may carry at most 64 KB; a bigger form goes plainly.
    const keepalive = Boolean(options.keepalive) && typeof body === "string" && new Blob([body]).size < 60000;
    response = await fetch(url, {method: options.method || "POST", headers, body, credentials: "same-origin", keepalive});
  } catch (e) {
    throw new Error("连接不上工作台服务，请确认 duizhao serve 仍在运行");
  }
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  if (!response.ok) {
    const error = new Error(data.error || ("请求失败（" + response.status + "）"));
    error.code = data.code;
    throw error;
  }
  return data;
}

// A step that replaces what the clerk typed asks first, with the question the page came with; cancelled, nothing
// is sent (null). Should the server find more typed since (another tab), it refuses with its own question (409).
async function replacing(question, send) {
  if (question && !window.confirm(question)) return null;
  try {
    return await send(Boolean(question));
  } catch (e) {
    if (e.code !== "replace" || question) throw e;
    if (!window.confirm(e.message)) return null;
    return await send(true);
  }
}

// An action that may take more than a moment: the button says so and cannot be pressed twice meanwhile.
async function busy(button, label, work) {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.classList.add("busy");
  button.textContent = label;
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.classList.remove("busy");
    button.textContent = text;
  }
}

function showMessage(text) {
  const box = document.getElementById("message");
  if (!box) { if (text) alert(text); return; }  // a page without a message box: only something to say is said
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({block: "nearest"});
}

async function uploadFile(inputId, url, button) {
  const input = document.getElementById(inputId);
  if (!input.files.length) { showMessage("请先选择文件"); return; }
  try {
    const data = await replacing(button && button.dataset.ask, function (replace) {
      const form = new FormData();
      form.append("file", input.files[0]);
      if (replace) form.append("replace", "true");
      const send = function () { return api(url, {body: form}); };
      return button ? busy(button, "正在读取…", send) : send();
    });
    if (data) window.location.href = data.redirect;
  } catch (e) { showMessage(e.message); }
}

// A download: the link shows it is working while the file is made (a meeting's .zip takes a moment), and a refusal
// (no draft any more, a file gone after redrafting in another tab) is one message here, not a raw page.
async function download(link) {
  if (link.classList.contains("busy")) return;
  link.classList.add("busy");
  link.setAttribute("aria-busy", "true");
  try {
    let response;
    try {
      response = await fetch(link.getAttribute("href"), {credentials: "same-origin"});
    } catch (e) {
      showMessage("连接不上工作台服务，请确认 duizhao serve 仍在运行");
      return;
    }
    if (!response.ok) {
      let data = {};
      try { data = await response.json(); } catch (e) { data = {}; }
      showMessage(data.error || ("无法下载（" + response.status + "）"));
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename\*=UTF-8''([^;]+)/);
    const save = document.createElement("a");
    save.href = URL.createObjectURL(await response.blob());
    save.download = match ? decodeURIComponent(match[1]) : "duizhao";
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(function () { URL.revokeObjectURL(save.href); }, 60000);
    showMessage("");
  } finally {
    link.classList.remove("busy");
    link.removeAttribute("aria-busy");
  }
}

document.addEventListener("click", function (event) {
  const link = event.target.closest("a[href^='/download/'], a[href^='/meeting/files/'], a[href$='.zip'], a[href='/ledger/report']");
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  download(link);
});
