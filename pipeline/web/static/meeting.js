"use strict";
const draftButton = document.getElementById("draft");
const count = document.getElementById("count");

function follow(jobId) {
  let done = 0;
  draftButton.disabled = true;
  draftButton.textContent = "起草中…";
  const source = new EventSource("/api/jobs/" + jobId + "/events");
  source.onmessage = function (message) {
    const event = JSON.parse(message.data);
    if (event.kind === "item") { done += 1; count.textContent = "已完成 " + done + " 段"; }
    else if (event.kind === "done") { source.close(); window.location.reload(); }
    else if (event.kind === "failed") {
      source.close();
      showMessage(event.message);
      draftButton.disabled = false;
      draftButton.textContent = "起草全部材料";
    }
  };
}

draftButton.addEventListener("click", async function () {
  showMessage("");
  try {
    const mode = document.querySelector("input[name=mode]:checked").value;
    const data = await replacing(draftButton.dataset.ask, function (replace) {
      return api("/api/meeting/draft", {body: {offline: mode !== "model", replace}});
    });
    if (data) follow(data.job);
  } catch (e) { showMessage(e.message); }
});
if (draftButton.dataset.job) follow(draftButton.dataset.job);

document.querySelectorAll("button.review-doc").forEach(function (button) {
  button.addEventListener("click", async function () {
    try {
      const data = await api("/api/meeting/review/" + button.dataset.n, {});
      window.location.href = data.redirect;
    } catch (e) { showMessage(e.message); }
  });
});
