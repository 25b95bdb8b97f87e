"use strict";
// 班子成员 in the form: each member's own problems, last year's fixes and criticisms of every other member.
// A criticism box is tied to its colleague's element (data-mid), so renaming a colleague keeps what was written.
const membersBox = document.getElementById("members");
let memberCounter = 0;

function memberElements() { return Array.from(membersBox.querySelectorAll(".member")); }
function memberName(el) { return el.querySelector("[data-m=name]").value.trim(); }

function criticismLabel(box, key, heading, text) {
  const label = document.createElement("label");
  label.className = "wide criticism";
  label.dataset.to = key;
  const span = document.createElement("span");
  span.textContent = heading;
  const area = document.createElement("textarea");
  area.rows = 2;
  area.dataset.crit = "1";
  area.value = (text || []).join("\n");
  label.append(span, area);
  box.appendChild(label);
  return label;
}

function syncCriticisms() {
  const all = memberElements();
  all.forEach(function (member) {
    const box = member.querySelector(".criticisms");
    const initial = box.dataset.criticisms ? JSON.parse(box.dataset.criticisms) : null;
    delete box.dataset.criticisms;
    box.querySelectorAll("label[data-to]").forEach(function (label) {
      if (!label.dataset.orphan && !all.some(function (o) { return o.dataset.mid === label.dataset.to; })) label.remove();
    });
    all.forEach(function (other) {
      if (other === member) return;
      let label = box.querySelector("label[data-to='" + other.dataset.mid + "']");
      if (!label) {
        label = criticismLabel(box, other.dataset.mid, "", initial ? initial[memberName(other)] : null);
        if (initial) delete initial[memberName(other)];
      }
      label.querySelector("span").textContent = "对 " + (memberName(other) || "（未填姓名的成员）") + " 的批评意见";
    });
    // Points about someone not (or no longer) on the list stay visible, so nothing typed disappears unseen.
    Object.keys(initial || {}).forEach(function (name) {
      const label = criticismLabel(box, "orphan:" + name, "对 " + name + "（不在成员名单中，请删去或改写到现有成员）的批评意见", initial[name]);
      label.dataset.orphan = name;
    });
  });
}

function collectMembers() {
  return memberElements().map(function (member) {
    const aspects = {};
    member.querySelectorAll("fieldset.member-aspect").forEach(function (fs) {
      aspects[fs.dataset.aspect] = Array.from(fs.querySelectorAll(".row")).map(function (row) {
        const r = {};
        row.querySelectorAll("[data-r]").forEach(function (el) {
          r[el.dataset.r] = el.dataset.r === "facts" ? splitLines(el.value) : el.value;
        });
        return r;
      });
    });
    const criticisms = {};
    member.querySelectorAll(".criticisms label[data-to]").forEach(function (label) {
      const other = membersBox.querySelector(".member[data-mid='" + label.dataset.to + "']");
      const name = label.dataset.orphan || (other ? memberName(other) : "");
      const points = splitLines(label.querySelector("textarea").value);
      if (name && points.length) criticisms[name] = points;
    });
    const causes = {};
    member.querySelectorAll("[data-mc]").forEach(function (el) {
      if (el.value.trim()) causes[el.dataset.mc] = el.value;
    });
    return {
      causes: causes,
      name: member.querySelector("[data-m=name]").value,
      post: member.querySelector("[data-m=post]").value,
      duties: splitLines(member.querySelector("[data-ml=duties]").value),
      aspects: aspects,
      last_year: Array.from(member.querySelectorAll(".member-last-year .ly-row")).map(lyRowData),
      criticisms: criticisms,
    };
  });
}

// Each member's warnings under its own fields, and one meter line for its 剖析 (form.js asks the server).
function memberFeedback(results, meter) {
  memberElements().forEach(function (member, index) {
    const data = results[index];
    if (!data) return;
    placeWarnings(member, "fieldset.member-aspect", "data-mc", data);
    const line = data.meter.find(function (l) { return l.part === "causes"; });
    if (line) meterLine(meter, line, (memberName(member) || "新成员") + " " + line.text, "member-causes").dataset.mid = member.dataset.mid;
  });
}

// 征求意见 (form.js): the aspects an opinion can go to, the 班子's then each named member's.
function opinionTargets(aspects) {
  const select = document.createElement("select");
  aspects.forEach(function (name) { select.add(new Option(name, name)); });
  memberElements().forEach(function (member) {
    const name = memberName(member);
    if (!name) return;  // offered once named: the clerk must see whose rows it goes to
    const group = document.createElement("optgroup");
    group.label = name;
    member.querySelectorAll("fieldset.member-aspect").forEach(function (fs) {
      const option = new Option(name + " › " + fs.dataset.aspect, member.dataset.mid + " › " + fs.dataset.aspect);
      option.dataset.mid = member.dataset.mid;
      option.dataset.aspect = fs.dataset.aspect;
      group.appendChild(option);
    });
    select.appendChild(group);
  });
  return select;
}
// The aspect a chosen option names: the 班子's, or the member's (null when that member was removed meanwhile).
function opinionFieldset(option) {
  if (!option.dataset.mid) {
    return Array.from(form.querySelectorAll("fieldset.aspect")).find(function (fs) { return fs.dataset.aspect === option.value; });
  }
  const member = membersBox.querySelector(".member[data-mid='" + option.dataset.mid + "']");
  return member && Array.from(member.querySelectorAll("fieldset.member-aspect"))
    .find(function (fs) { return fs.dataset.aspect === option.dataset.aspect; });
}

function refreshDraftLabel() {
  const whole = memberElements().length > 0;
  draftButton.dataset.redirect = whole ? "/meeting" : "/review";
  document.getElementById("meeting-facts").hidden = !whole;  // the meeting's own facts go with its members
  if (!draftButton.disabled) draftButton.textContent = whole ? "起草全部会议材料" : "起草";
}

document.getElementById("add-member").addEventListener("click", function () {
  const node = document.getElementById("member-template").content.firstElementChild.cloneNode(true);
  memberCounter += 1;
  node.dataset.mid = "n" + memberCounter;
  node.querySelector(".criticisms").dataset.criticisms = "{}";
  membersBox.appendChild(node);
  syncCriticisms();
  refreshDraftLabel();
  node.querySelector("[data-m=name]").focus();
  saveSoon();
});

membersBox.addEventListener("click", function (event) {
  const target = event.target;
  const member = target.closest(".member");
  if (target.classList.contains("add-ly")) {
    addRow(member.querySelector(".member-last-year"), "ly-template");
    saveSoon();
  } else if (target.classList.contains("remove-member")) {
    const name = memberName(member) || "这位成员";
    if (!window.confirm("删除“" + name + "”及其填写的全部内容？")) return;
    member.remove();
    syncCriticisms();
    refreshDraftLabel();
    saveSoon();
  }
});

membersBox.addEventListener("input", function (event) {
  const field = event.target.dataset.m;
  if (!field) return;
  const member = event.target.closest(".member");
  if (field === "name") {
    member.querySelector(".member-name").textContent = memberName(member) || "新成员";
    syncCriticisms();
  } else if (field === "post") {
    member.querySelector(".member-post").textContent = event.target.value.trim();
  }
});

syncCriticisms();
refreshDraftLabel();
