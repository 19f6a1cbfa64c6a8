// kefu's policy editor: the raw YAML of a draft overlay in CodeMirror 6, checked live.
// Every change (after a pause) is posted to the draft's check endpoint (the same check as
// `kefu policy check`); each finding is shown on its line and in the list below the editor.
// Without JavaScript the page keeps its plain textarea and the server's findings.
import { EditorView, basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";

function renderList(list, findings, zh) {
  list.replaceChildren();
  for (const f of findings) {
    const item = document.createElement("li");
    item.className = "finding";
    const where = document.createElement("strong");
    where.textContent = f.line ? (zh ? `第${f.line}行` : `line ${f.line}`) : (f.file || (zh ? "整个文件" : "the file"));
    item.append(where, " ", zh ? f.zh : f.message);
    if (f.line) item.dataset.line = f.line;
    list.append(item);
  }
  list.closest("[data-findings]")?.classList.toggle("clean", findings.length === 0);
}

function attach(textarea) {
  const url = textarea.dataset.checkUrl;
  const zh = (textarea.dataset.lang || "zh") === "zh";
  const list = document.getElementById(textarea.dataset.findings);
  const status = document.getElementById(textarea.dataset.status);
  const token = document.querySelector('input[name="csrf_token"]')?.value || "";
  const readOnly = textarea.hasAttribute("readonly");

  async function check(view) {
    const text = view.state.doc.toString();
    textarea.value = text;
    let findings = [];
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ text }),
      });
      if (!response.ok) throw new Error(String(response.status));
      findings = (await response.json()).findings || [];
    } catch (err) {
      if (status) status.textContent = zh ? "检查暂时不可用，保存时将再次检查" : "The check is unavailable; saving checks again";
      return [];
    }
    if (list) renderList(list, findings, zh);
    if (status) {
      status.textContent = findings.length
        ? (zh ? `发现 ${findings.length} 处问题` : `${findings.length} problem(s)`)
        : (zh ? "检查通过" : "No problems");
      status.className = findings.length ? "check-status bad" : "check-status ok";
    }
    const doc = view.state.doc;
    return findings.filter((f) => f.line && f.line <= doc.lines).map((f) => {
      const line = doc.line(f.line);
      return { from: line.from, to: line.to, severity: "error", message: zh ? f.zh : f.message, source: f.code };
    });
  }

  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      linter(check, { delay: 400 }),
      EditorView.lineWrapping,
      EditorView.editable.of(!readOnly),
      EditorView.updateListener.of((u) => { if (u.docChanged) textarea.value = u.state.doc.toString(); }),
    ],
  });
  textarea.style.display = "none";
  textarea.after(view.dom);
  view.dom.classList.add("policy-code");
  forceLinting(view);
  if (list) {
    list.addEventListener("click", (event) => {
      const item = event.target.closest("li[data-line]");
      if (!item) return;
      const line = view.state.doc.line(Number(item.dataset.line));
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
      view.focus();
    });
  }
  return view;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const textarea of document.querySelectorAll("textarea[data-policy-editor]")) attach(textarea);
});
