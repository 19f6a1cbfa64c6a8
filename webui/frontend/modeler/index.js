// kefu's process pages in the browser: the modeler (bpmn-js Modeler, its properties panel and kefu's
// own group, drafts saved with their check) and the coloured diff of two versions. Built into
// webui/static/vendor/kefu-modeler.js by `npm run build:modeler` (see webui/package.json).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
} from 'bpmn-js-properties-panel';

import KefuPropertiesProvider from './provider';
import spiffworkflow from './spiffworkflow.json';
import translateZh from './translate-zh';

// -- the draft's forms file, edited beside the diagram ---------------------------------------------
function KefuForms(eventBus, config) {
  const data = JSON.parse(JSON.stringify(config.forms || {}));
  let counter = 0;
  this.data = () => data;
  this.form = (key) => (key === 'start' ? data.start : (data.tasks || {})[key]) || null;
  this.createForm = (key) => {
    if (!this.form(key)) {
      data.tasks = data.tasks || {};
      data.tasks[key] = { fields: [] };
    }
    return this.form(key);
  };
  this.addField = (key) => {
    const form = this.createForm(key);
    form.fields = form.fields || [];
    const taken = new Set(form.fields.map((f) => f.name));
    let name;
    do { counter += 1; name = `new_field_${counter}`; } while (taken.has(name));
    form.fields.push({ name, type: 'text', label: { zh: '新字段', en: name } });  // the label is data: Chinese first
  };
  this.change = (element, fn) => {
    fn();
    eventBus.fire('kefu.forms.changed', {});
    eventBus.fire('elements.changed', { elements: [element] });
  };
  // The forms file has one entry per user task of this diagram: a task whose id changes takes its
  // form along; a deleted task's form is left out when the draft is saved (see ``saved``).
  eventBus.on('commandStack.element.updateProperties.postExecuted', ({ context }) => {
    const { element, properties, oldProperties } = context;
    const before = oldProperties && oldProperties.id;
    if (!properties.id || !before || before === properties.id || !element.type.endsWith('UserTask')) return;
    const tasks = data.tasks || {};
    if (tasks[before] && !tasks[properties.id]) {
      tasks[properties.id] = tasks[before];
      delete tasks[before];
    }
  });
  this.saved = (registry) => {
    const out = JSON.parse(JSON.stringify(data));
    const live = new Set(registry.filter((e) => e.type === 'bpmn:UserTask').map((e) => e.id));
    for (const id of Object.keys(out.tasks || {})) {
      if (!live.has(id)) delete out.tasks[id];
    }
    return out;
  };
}
KefuForms.$inject = ['eventBus', 'config.kefu'];

const KefuPropertiesModule = {
  __init__: ['kefuPropertiesProvider'],
  kefuPropertiesProvider: ['type', KefuPropertiesProvider],
  kefuForms: ['type', KefuForms],
};

let LANG = 'zh';
const L = (zh, en) => (LANG === 'en' ? en : zh);
const DIFF_WORDS = { zh: { added: '新增', removed: '删除', changed: '修改' },
  en: { added: 'added', removed: 'removed', changed: 'changed' } };

// -- helpers ------------------------------------------------------------------------------------------
function csrfToken() {
  const meta = document.querySelector('meta[name=csrf-token]');
  return meta ? meta.content : '';
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  let payload = {};
  try { payload = await response.json(); } catch (e) { payload = {}; }
  return { ok: response.ok, status: response.status, payload };
}

// Fit the diagram into the canvas beside the palette, which floats over its left edge.
function fitBesidePalette(canvas, width) {
  canvas.zoom('fit-viewport');
  const room = width - 130;
  if (room > 200) {
    canvas.zoom(canvas.zoom() * (room / width));
    const box = canvas.viewbox();
    canvas.viewbox({ ...box, x: box.inner.x - 120 / box.scale, y: box.inner.y - 20 / box.scale });
  }
}

// -- problems on the canvas -----------------------------------------------------------------------------
function markProblems(viewer, findings, listNode, summaryNode) {
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  registry.forEach((element) => canvas.removeMarker(element, 'kefu-problem'));
  overlays.remove({ type: 'kefu-problem' });
  listNode.replaceChildren();
  const byElement = new Map();
  for (const f of findings) {
    const shape = f.element_id ? registry.get(f.element_id) : null;
    const item = el('li', { class: shape ? 'on-canvas' : '', 'data-element': f.element_id || '' },
      el('code', {}, f.code), ' ',
      f.element_id ? el('span', { class: 'element' }, `[${f.element_id}] `) : '',
      f.message,
      el('span', { class: 'where' }, ` · ${f.file}${f.line ? `:${f.line}` : ''}`));
    if (shape) {
      item.addEventListener('click', () => {
        viewer.get('selection').select(shape);
        canvas.scrollToElement(shape);
      });
      byElement.set(shape.id, (byElement.get(shape.id) || 0) + 1);
    }
    listNode.append(item);
  }
  for (const [id, count] of byElement) {
    const shape = registry.get(id);
    canvas.addMarker(shape, 'kefu-problem');
    overlays.add(shape, 'kefu-problem', {
      position: { top: -10, right: 10 },
      html: `<span class="kefu-problem-badge" title="${count}">${count}</span>`,
    });
  }
  if (summaryNode) {
    summaryNode.textContent = findings.length
      ? L(`检查发现 ${findings.length} 个问题，须全部改正后才能发布`, `${findings.length} problem(s): fix them all before deploying`)
      : L('检查通过：可以发布', 'The check is clean: ready to deploy');
    summaryNode.className = findings.length ? 'check-summary problems' : 'check-summary clean';
  }
}

// -- the modeler page -----------------------------------------------------------------------------------
async function mountModeler(config) {
  LANG = config.lang || 'zh';
  const root = document.getElementById(config.root || 'modeler');
  if (config.readOnly) return mountReadOnly(root, config);
  const modeler = new BpmnModeler({
    container: root.querySelector('.canvas'),
    propertiesPanel: { parent: root.querySelector('.properties') },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, KefuPropertiesModule,
      ...(config.lang === 'zh' ? [{ translate: ['value', translateZh] }] : [])],
    moddleExtensions: { spiffworkflow },
    kefu: config,
  });
  const status = root.querySelector('.save-status');
  const problems = root.querySelector('.problems');
  const summary = root.querySelector('.check-summary');
  const saveButton = root.querySelector('button.save');
  const deployButton = root.querySelector('button.deploy');
  let dirty = false;
  const setDirty = (value) => {
    dirty = value;
    root.classList.toggle('dirty', value);
    if (value) status.textContent = L('有未保存的修改', 'Unsaved changes');
    if (deployButton) deployButton.disabled = value || !config.clean;
  };
  try {
    const { warnings } = await modeler.importXML(config.xml);
    if (warnings.length) status.textContent = L(`导入提示：${warnings.length} 条`, `${warnings.length} import warning(s)`);
  } catch (err) {
    status.textContent = L(`图无法打开：${err.message}`, `The diagram cannot be opened: ${err.message}`);
    return modeler;
  }
  fitBesidePalette(modeler.get('canvas'), root.querySelector('.canvas').clientWidth);
  markProblems(modeler, config.findings || [], problems, config.checked ? summary : null);
  const eventBus = modeler.get('eventBus');
  eventBus.on('commandStack.changed', () => setDirty(true));
  eventBus.on('kefu.forms.changed', () => setDirty(true));
  if (deployButton) deployButton.disabled = !config.clean;
  // A call activity opens the diagram it calls (the complaint is several diagrams).
  eventBus.on('element.dblclick', 1500, (event) => {
    const bo = event.element.businessObject;
    if (bo && bo.$type === 'bpmn:CallActivity' && bo.calledElement && config.urls.modeler_of) {
      window.location.href = config.urls.modeler_of.replace('__PROCESS__', encodeURIComponent(bo.calledElement));
      return false;
    }
    return undefined;
  });
  async function save() {
    saveButton.disabled = true;
    status.textContent = L('正在保存并检查…', 'Saving and checking…');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const forms = modeler.get('kefuForms').saved(modeler.get('elementRegistry'));
      const { ok, payload } = await postJSON(config.urls.save, { xml, forms });
      if (!ok) {
        status.textContent = (payload.error && payload.error.message) || L('保存失败', 'Saving failed');
        return false;
      }
      config.clean = payload.clean;
      config.checked = true;
      markProblems(modeler, payload.findings, problems, summary);
      setDirty(false);
      status.textContent = L(`草稿已保存（${payload.saved_at}）`, `Draft saved (${payload.saved_at})`);
      return true;
    } catch (err) {
      status.textContent = L(`保存失败：${err.message}`, `Saving failed: ${err.message}`);
      return false;
    } finally {
      saveButton.disabled = false;
    }
  }
  saveButton.addEventListener('click', save);
  window.addEventListener('beforeunload', (event) => {
    if (dirty) { event.preventDefault(); event.returnValue = ''; }
  });
  if (deployButton) {
    deployButton.form.addEventListener('submit', () => { dirty = false; });
  }
  root.kefuModeler = modeler;
  return modeler;
}

// Those who may read but not edit (managers) get the diagram to look at, zoom and pan: no palette,
// no properties to change, nothing to save.
async function mountReadOnly(root, config) {
  const viewer = new NavigatedViewer({ container: root.querySelector('.canvas'), moddleExtensions: { spiffworkflow } });
  await viewer.importXML(config.xml);
  viewer.get('canvas').zoom('fit-viewport');
  viewer.get('eventBus').on('element.dblclick', 1500, (event) => {
    const bo = event.element.businessObject;
    if (bo && bo.$type === 'bpmn:CallActivity' && bo.calledElement && config.urls.modeler_of) {
      window.location.href = config.urls.modeler_of.replace('__PROCESS__', encodeURIComponent(bo.calledElement));
    }
  });
  root.kefuModeler = viewer;
  return viewer;
}

// -- the diff of two versions ---------------------------------------------------------------------------
const DIFF_CLASSES = { added: 'diff-added', removed: 'diff-removed', changed: 'diff-changed' };

async function showDiagram(container, xml, marks) {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { spiffworkflow } });
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  canvas.zoom('fit-viewport');
  // A large sheet fitted to the box is too small to read: show the first change at full size.
  const first = Object.keys(marks).map((id) => registry.get(id)).find(Boolean);
  if (first && canvas.zoom() < 0.6) {
    canvas.zoom(1);
    canvas.scrollToElement(first);
  }
  for (const [id, kind] of Object.entries(marks)) {
    const shape = registry.get(id);
    if (!shape) continue;
    canvas.addMarker(shape, DIFF_CLASSES[kind]);
    overlays.add(shape, 'kefu-diff', {
      position: { top: -12, left: 0 },
      html: `<span class="kefu-diff-badge ${DIFF_CLASSES[kind]}">${(DIFF_WORDS[LANG] || DIFF_WORDS.zh)[kind]}</span>`,
    });
  }
  return viewer;
}

async function mountDiff(config) {
  LANG = config.lang || 'zh';
  const before = {};
  const after = {};
  for (const [id, kind] of Object.entries(config.marks || {})) {
    if (kind === 'removed' || kind === 'changed') before[id] = kind;
    if (kind === 'added' || kind === 'changed') after[id] = kind;
  }
  const viewers = await Promise.all([
    showDiagram(document.getElementById(config.before), config.before_xml, before),
    showDiagram(document.getElementById(config.after), config.after_xml, after),
  ]);
  document.querySelectorAll('[data-diff-element]').forEach((node) => {
    node.addEventListener('click', () => {
      for (const viewer of viewers) {
        const shape = viewer.get('elementRegistry').get(node.dataset.diffElement);
        if (shape) viewer.get('canvas').scrollToElement(shape);
      }
    });
  });
  return viewers;
}

window.KefuModeler = { mountModeler, mountDiff };
