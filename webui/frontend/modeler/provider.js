// kefu's properties group: what the engine reads from a diagram, picked from the policy and the
// action registry the page hands over (window data ``kefu``): the lane → role binding, a user task's
// form (its fields live in the draft's forms file), ``due``, timers, a service task's action.
import {
  CheckboxEntry,
  ListGroup,
  SelectEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { jsx, jsxs } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const DEADLINE_CALL = /^\s*deadline\(\s*["']([^"']+)["']\s*(?:,\s*([^,)]+?)\s*)?(?:,\s*([^,)]+?)\s*)?\)\s*$/;
const LANE_PROPERTY = 'policy_lane';
const CHOICE_TYPES = ['choice', 'multi_choice'];
const TEXT_TYPES = ['text', 'textarea'];
const RANGE_TYPES = ['integer', 'amount', 'date'];
let LANG = 'zh';
const L = (zh, en) => (LANG === 'en' ? en || zh : zh);

// -- extension elements ------------------------------------------------------------------------
function extensionValues(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter((v) => is(v, type)) : [];
}

function propertyOf(bo, name) {
  for (const props of extensionValues(bo, 'spiffworkflow:Properties')) {
    const found = props.get('properties').find((p) => p.get('name') === name);
    if (found) return found;
  }
  return null;
}

function operatorOf(bo) {
  return extensionValues(bo, 'spiffworkflow:ServiceTaskOperator')[0] || null;
}

// Set (or, with an empty value, remove) <spiffworkflow:property name=… value=…/> as one undoable command.
function setProperty(injector, element, name, value) {
  const modeling = injector.get('modeling');
  const factory = injector.get('bpmnFactory');
  const bo = getBusinessObject(element);
  const existing = propertyOf(bo, name);
  if (existing) {
    if (value) {
      modeling.updateModdleProperties(element, existing, { value });
    } else {
      const holder = existing.$parent;
      modeling.updateModdleProperties(element, holder, {
        properties: holder.get('properties').filter((p) => p !== existing),
      });
    }
    return;
  }
  if (!value) return;
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = factory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let holder = extensionValues(bo, 'spiffworkflow:Properties')[0];
  if (!holder) {
    holder = factory.create('spiffworkflow:Properties', { properties: [] });
    holder.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), holder] });
  }
  const prop = factory.create('spiffworkflow:Property', { name, value });
  prop.$parent = holder;
  modeling.updateModdleProperties(element, holder, { properties: [...holder.get('properties'), prop] });
}

// -- deadline expressions -------------------------------------------------------------------------
function parseDeadline(text) {
  const match = DEADLINE_CALL.exec(text || '');
  return match ? { key: match[1], start: match[2] || '', origin: match[3] || '' } : null;
}

function deadlineExpression(key, start, origin) {
  const args = [JSON.stringify(key), start || 'received_at'];
  if (origin) args.push(origin);
  return `deadline(${args.join(', ')})`;
}

function deadlineOptions(kefu, current) {
  const options = [{ value: '', label: L('（自定义表达式）', '(an expression as written)') }];
  for (const d of kefu.deadlines) options.push({ value: d.key, label: `${d.title} · ${d.key}（${d.value}）` });
  if (current && !kefu.deadlines.some((d) => d.key === current)) {
    options.push({ value: current, label: `${current} ${L('（策略中没有此时限）', '(not a duration of the policy)')}` });
  }
  return options;
}

// Three entries for an expression that is usually deadline(key, start[, origin]): the key picked
// from the policy, the start field, and the whole expression as written.
function deadlineEntries(kefu, element, id, label, read, write) {
  const KeyEntry = (props) => {
    const translate = useService('translate');
    return SelectEntry({
      element, id: props.id, label: `${label}${L('：时限规则', ': policy duration')}`,
      getValue: () => (parseDeadline(read()) || {}).key || '',
      setValue: (key) => {
        const now = parseDeadline(read()) || { start: '', origin: '' };
        if (key) write(deadlineExpression(key, now.start, now.origin));
      },
      getOptions: () => deadlineOptions(kefu, (parseDeadline(read()) || {}).key),
      translate,
    });
  };
  const StartEntry = (props) => {
    const debounce = useService('debounceInput');
    return TextFieldEntry({
      element, id: props.id, label: `${label}${L('：起算字段', ': counted from')}`, debounce,
      description: L('从哪个时间字段起算，如 received_at', 'the time field it counts from, e.g. received_at'),
      getValue: () => (parseDeadline(read()) || {}).start || '',
      setValue: (start) => {
        const now = parseDeadline(read());
        if (now) write(deadlineExpression(now.key, start, now.origin));
      },
      disabled: !parseDeadline(read()),
    });
  };
  const ExpressionEntry = (props) => {
    const debounce = useService('debounceInput');
    return TextFieldEntry({
      element, id: props.id, label: `${label}${L('：表达式', ': expression')}`, debounce,
      getValue: () => read() || '', setValue: (value) => write((value || '').trim()),
    });
  };
  return [
    { id: `${id}-key`, component: KeyEntry, isEdited: isSelectEntryEdited },
    { id: `${id}-start`, component: StartEntry, isEdited: isTextFieldEntryEdited },
    { id: `${id}-expression`, component: ExpressionEntry, isEdited: isTextFieldEntryEdited },
  ];
}

// -- entries per kind of element ------------------------------------------------------------------
function laneEntries(kefu, element, injector) {
  const bo = getBusinessObject(element);
  const read = () => {
    const prop = propertyOf(bo, LANE_PROPERTY);
    return prop ? prop.get('value') : bo.get('name') || '';
  };
  const LaneEntry = (props) => {
    const translate = useService('translate');
    return SelectEntry({
      element, id: props.id, label: L('岗位绑定（策略 lanes）', 'Bound to (policy lanes)'),
      getValue: read,
      setValue: (key) => {
        const before = read();
        const lane = kefu.lanes.find((l) => l.key === key);
        const oldLane = kefu.lanes.find((l) => l.key === before);
        const name = bo.get('name') || '';
        setProperty(injector, element, LANE_PROPERTY, key);
        // A lane's name is for people: follow the binding unless someone named it otherwise.
        if (lane && (!name || name === before || (oldLane && name === oldLane.role_name))) {
          injector.get('modeling').updateLabel(element, lane.role_name);
        }
      },
      getOptions: () => {
        const options = kefu.lanes.map((l) => ({ value: l.key, label: `${l.key} · ${l.label}` }));
        if (!kefu.lanes.some((l) => l.key === read())) {
          options.unshift({ value: read(), label: `${read() || L('（未绑定）', '(unbound)')} ${L('（策略中没有此岗位）', '(not a lane of the policy)')}` });
        }
        return options;
      },
      translate,
    });
  };
  const WhoEntry = (props) => {
    const lane = kefu.lanes.find((l) => l.key === read());
    return TextFieldEntry({
      element, id: props.id, label: L('由谁办理', 'Who works it'), disabled: true,
      getValue: () => (lane ? lane.label : L('该岗位不在策略中：请选择', 'not in the policy: pick one')), setValue: () => {},
      debounce: (fn) => fn,
    });
  };
  return [
    { id: 'kefu-lane', component: LaneEntry, isEdited: isSelectEntryEdited },
    { id: 'kefu-lane-who', component: WhoEntry },
  ];
}

function dueEntries(kefu, element, injector) {
  const bo = getBusinessObject(element);
  const read = () => {
    const prop = propertyOf(bo, 'due');
    return prop ? prop.get('value') : '';
  };
  return deadlineEntries(kefu, element, 'kefu-due', L('办理时限 due', 'Due'), read,
    (value) => setProperty(injector, element, 'due', value));
}

function timerEntries(kefu, element, injector) {
  const bo = getBusinessObject(element);
  const definition = (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
  if (!definition) return [];
  const kind = ['timeDate', 'timeDuration', 'timeCycle'].find((k) => definition.get(k)) || 'timeDate';
  const read = () => {
    const expr = definition.get(kind);
    return expr ? expr.get('body') : '';
  };
  const write = (value) => {
    const modeling = injector.get('modeling');
    const expr = definition.get(kind);
    if (expr) {
      modeling.updateModdleProperties(element, expr, { body: value });
    } else {
      const created = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: value });
      created.$parent = definition;
      modeling.updateModdleProperties(element, definition, { [kind]: created });
    }
  };
  return deadlineEntries(kefu, element, 'kefu-timer', `${L('定时器', 'Timer')} ${kind}`, read, write);
}

function actionEntries(kefu, element, injector) {
  const bo = getBusinessObject(element);
  const operator = () => operatorOf(bo);
  const actionOf = (name) => kefu.actions.find((a) => a.name === name);
  const params = () => {
    const op = operator();
    const list = op && op.get('parameterList');
    return list ? list.get('parameters') : [];
  };
  const setAction = (name) => {
    const modeling = injector.get('modeling');
    const factory = injector.get('bpmnFactory');
    const action = actionOf(name);
    if (!action) return;
    const old = Object.fromEntries(params().map((p) => [p.get('id'), p.get('value')]));
    let ext = bo.get('extensionElements');
    if (!ext) {
      ext = factory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      modeling.updateModdleProperties(element, bo, { extensionElements: ext });
    }
    const list = factory.create('spiffworkflow:Parameters', { parameters: [] });
    for (const p of action.params) {
      const param = factory.create('spiffworkflow:Parameter', { id: p.name, type: p.type, value: old[p.name] || '' });
      param.$parent = list;
      list.get('parameters').push(param);
    }
    const op = operator();
    if (op) {
      list.$parent = op;
      modeling.updateModdleProperties(element, op, { id: name, parameterList: list });
    } else {
      const created = factory.create('spiffworkflow:ServiceTaskOperator', { id: name, parameterList: list });
      created.$parent = ext;
      list.$parent = created;
      modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), created] });
    }
  };
  const ActionEntry = (props) => {
    const translate = useService('translate');
    return SelectEntry({
      element, id: props.id, label: L('调用的业务动作', 'Action'),
      getValue: () => (operator() ? operator().get('id') : ''),
      setValue: setAction,
      getOptions: () => {
        const current = operator() ? operator().get('id') : '';
        const options = [{ value: '', label: L('（请选择）', '(choose)') }];
        for (const a of kefu.actions) options.push({ value: a.name, label: `${a.label.zh} · ${a.name}` });
        if (current && !actionOf(current)) options.push({ value: current, label: `${current} ${L('（未注册的动作）', '(no such action)')}` });
        return options;
      },
      translate,
    });
  };
  const ResultEntry = (props) => {
    const debounce = useService('debounceInput');
    return TextFieldEntry({
      element, id: props.id, label: L('结果保存到字段', 'Result variable'), debounce,
      description: (actionOf(operator() ? operator().get('id') : '') || {}).result || '',
      getValue: () => (operator() ? operator().get('resultVariable') || '' : ''),
      setValue: (value) => operator() && injector.get('modeling').updateModdleProperties(
        element, operator(), { resultVariable: value || undefined }),
      disabled: !operator(),
    });
  };
  const entries = [
    { id: 'kefu-action', component: ActionEntry, isEdited: isSelectEntryEdited },
    { id: 'kefu-action-result', component: ResultEntry, isEdited: isTextFieldEntryEdited },
  ];
  const action = actionOf(operator() ? operator().get('id') : '');
  for (const p of action ? action.params : []) {
    const ParamEntry = (props) => {
      const debounce = useService('debounceInput');
      const param = () => params().find((x) => x.get('id') === p.name);
      return TextFieldEntry({
        element, id: props.id, debounce,
        label: `${L('参数', 'Parameter')} ${L(p.label.zh, p.label.en)}（${p.name}: ${p.type}${p.required ? L('，必填', ', required') : ''}）`,
        description: p.help || L('表达式，如字段名或 "文字"', 'an expression: a field name or "text"'),
        getValue: () => (param() ? param().get('value') || '' : ''),
        setValue: (value) => {
          const modeling = injector.get('modeling');
          const found = param();
          if (found) {
            modeling.updateModdleProperties(element, found, { value, type: p.type });
            return;
          }
          const list = operator().get('parameterList');
          const created = injector.get('bpmnFactory').create('spiffworkflow:Parameter',
            { id: p.name, type: p.type, value });
          if (list) {
            created.$parent = list;
            modeling.updateModdleProperties(element, list, { parameters: [...list.get('parameters'), created] });
          }
        },
      });
    };
    entries.push({ id: `kefu-param-${p.name}`, component: ParamEntry, isEdited: isTextFieldEntryEdited });
  }
  return entries;
}

// -- the form of a user task (the draft's forms file) -------------------------------------------------
function formFieldItems(kefu, element, formsStore, formKey) {
  const form = formsStore.form(formKey);
  const fields = form ? form.fields || [] : [];
  return fields.map((field, index) => {
    const id = `kefu-field-${formKey}-${index}`;
    const change = (fn) => formsStore.change(element, () => fn(formsStore.form(formKey).fields[index]));
    const NameEntry = (props) => TextFieldEntry({
      element, id: props.id, label: L('字段名（英文标识）', 'Field name'), debounce: (fn) => fn,
      getValue: () => field.name || '', setValue: (v) => change((f) => { f.name = (v || '').trim(); }),
    });
    const LabelEntry = (props) => TextFieldEntry({
      element, id: props.id, label: L('显示名称（中文）', 'Label (Chinese)'), debounce: (fn) => fn,
      getValue: () => (field.label && typeof field.label === 'object' ? field.label.zh : field.label) || '',
      setValue: (v) => change((f) => {
        const en = f.label && typeof f.label === 'object' ? f.label.en : undefined;
        f.label = en ? { zh: v || '', en } : { zh: v || '', en: f.name || '' };
      }),
    });
    const TypeEntry = (props) => {
      const translate = useService('translate');
      return SelectEntry({
        element, id: props.id, label: L('类型', 'Type'), translate,
        getValue: () => field.type || '',
        setValue: (v) => change((f) => {
          f.type = v;
          if (!CHOICE_TYPES.includes(v)) { delete f.choices; delete f.choices_from; }
          if (!TEXT_TYPES.includes(v)) { delete f.max_length; delete f.pattern; }
          if (!RANGE_TYPES.includes(v)) { delete f.min; delete f.max; }
        }),
        getOptions: () => kefu.field_types.map((t) => ({ value: t.code, label: `${L(t.name, t.code)} · ${t.code}` })),
      });
    };
    const RequiredEntry = (props) => CheckboxEntry({
      element, id: props.id, label: L('必填', 'Required'),
      getValue: () => !!field.required, setValue: (v) => change((f) => { f.required = !!v; }),
    });
    const ChoicesEntry = (props) => {
      const translate = useService('translate');
      return SelectEntry({
        element, id: props.id, label: L('选项来自策略列表 choices_from', 'Choices from a policy list'), translate,
        getValue: () => field.choices_from || (field.choices ? '__inline__' : ''),
        setValue: (v) => change((f) => {
          if (v === '__inline__') return;
          delete f.choices;
          if (v) f.choices_from = v; else delete f.choices_from;
        }),
        getOptions: () => {
          const options = [{ value: '', label: L('（请选择）', '(choose)') }];
          if (field.choices) options.push({ value: '__inline__', label: L('（表单内列出的选项）', '(choices listed in the form)') });
          for (const l of kefu.lists) options.push({ value: l.key, label: `${l.title} · ${l.key}` });
          return options;
        },
      });
    };
    const entries = [
      { id: `${id}-name`, component: NameEntry },
      { id: `${id}-label`, component: LabelEntry },
      { id: `${id}-type`, component: TypeEntry },
      { id: `${id}-required`, component: RequiredEntry },
    ];
    if (CHOICE_TYPES.includes(field.type)) entries.push({ id: `${id}-choices`, component: ChoicesEntry });
    const zh = field.label && typeof field.label === 'object' ? field.label.zh : field.label;
    return {
      id, label: `${zh || L('（无名称）', '(no label)')} · ${field.name || '?'}`, entries,
      autoFocusEntry: `${id}-name`,
      remove: () => formsStore.change(element, () => formsStore.form(formKey).fields.splice(index, 1)),
    };
  });
}

// A user task without a form (the check's diagram.E031): create its form here, empty (a step that is
// only confirmed) or with a first field; it is saved with the draft like any field edit.
function newFormEntries(element, formsStore, formKey) {
  const NewFormEntry = (props) => {
    const create = (withField) => (event) => {
      event.preventDefault();
      formsStore.change(element, () => (withField ? formsStore.addField(formKey) : formsStore.createForm(formKey)));
    };
    return jsxs('div', {
      class: 'bio-properties-panel-entry kefu-new-form', 'data-entry-id': props.id,
      children: [
        jsx('p', {
          class: 'bio-properties-panel-description',
          children: L('此任务还没有表单，检查会报 diagram.E031。没有字段的空表单表示办理人只需确认完成。',
            'This task has no form yet (the check reports diagram.E031). An empty form means the person only confirms the step.'),
        }),
        jsxs('div', {
          class: 'kefu-new-form-buttons',
          children: [
            jsx('button', { type: 'button', class: 'kefu-create-empty-form', onClick: create(false),
              children: L('新建空表单', 'Create an empty form') }),
            jsx('button', { type: 'button', class: 'kefu-create-form-with-field', onClick: create(true),
              children: L('新建并添加字段', 'Create with a field') }),
          ],
        }),
      ],
    });
  };
  return [{ id: 'kefu-new-form', component: NewFormEntry }];
}

function formKeyOf(element) {
  const bo = getBusinessObject(element);
  if (is(element, 'bpmn:UserTask')) return bo.get('id');
  if (is(element, 'bpmn:StartEvent') && is(bo.$parent, 'bpmn:Process')) return 'start';
  return null;
}

// -- the provider -------------------------------------------------------------------------------------
export default function KefuPropertiesProvider(propertiesPanel, injector, kefuConfig, kefuForms) {
  LANG = kefuConfig.lang || 'zh';
  this.getGroups = (element) => (groups) => {
    const kefu = kefuConfig;
    const entries = [];
    if (is(element, 'bpmn:Lane')) entries.push(...laneEntries(kefu, element, injector));
    if (is(element, 'bpmn:UserTask')) entries.push(...dueEntries(kefu, element, injector));
    if (is(element, 'bpmn:Event')) entries.push(...timerEntries(kefu, element, injector));
    if (is(element, 'bpmn:ServiceTask')) entries.push(...actionEntries(kefu, element, injector));
    const out = [];
    if (entries.length) out.push({ id: 'kefu', label: L('kefu 设置', 'kefu'), entries });
    const formKey = formKeyOf(element);
    if (formKey && formKey !== 'start' && !kefuForms.form(formKey)) {
      out.push({
        id: 'kefu-form', label: L('表单字段（尚无表单）', 'Form fields (no form yet)'),
        entries: newFormEntries(element, kefuForms, formKey),
      });
    } else if (formKey && (formKey !== 'start' || kefuForms.form('start'))) {
      const form = kefuForms.form(formKey);
      out.push({
        id: 'kefu-form',
        label: `${L('表单字段', 'Form fields')}（${(form.fields || []).length}）`,
        component: ListGroup,
        items: formFieldItems(kefu, element, kefuForms, formKey),
        add: (event) => {
          event.stopPropagation();
          kefuForms.change(element, () => kefuForms.addField(formKey));
        },
      });
    }
    // kefu's groups come right after "General", before the documentation.
    const at = Math.min(1, groups.length);
    groups.splice(at, 0, ...out);
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}

KefuPropertiesProvider.$inject = ['propertiesPanel', 'injector', 'config.kefu', 'kefuForms'];
