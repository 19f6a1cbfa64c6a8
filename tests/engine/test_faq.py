"""The FAQ book 《答客户100问》 (engine/faq.py): lines, one wording, revisions, Chinese search, add-from-case.

Tests that change the book run on SQLite and on PostgreSQL (the shared ``runtime`` fixture); the
search matrix reads one book built once per module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.clock import FixedClock
from engine.errors import ConflictError, FormError, NotFoundError, PermissionDenied
from engine.faq import FaqBook, tokenize
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai

BOOK = [  # (line, question, the agreed answer, keywords)
    ("marketing", "购房后多久可以办理房产证？",
     "交房后约 360 个工作日内办理完毕，具体以不动产登记中心通知为准。", "产权证 不动产权证"),
    ("marketing", "可以更名或者增加共有人吗？",
     "签约后如需更名或增加共有人，请携带身份证明到营销中心申请，经审批后办理。", ""),
    ("design", "阳台可以封闭吗？",
     "阳台封闭须按小区统一样式施工，请先到管理处办理装修申请，审批后方可施工。", "封阳台"),
    ("design", "户型图上的承重墙能拆改吗？",
     "承重墙、剪力墙一律不得拆改；非承重墙拆改须提交装修方案审批。", "砸墙 改墙"),
    ("engineering", "房屋保修期是多久？",
     "地基基础和主体结构为设计合理使用年限；防水五年；电气管线和给排水两年。", "质保期"),
    ("engineering", "卫生间漏水怎么办？",
     "请拨打客服电话报修，工程人员将在约定时间上门检查，保修期内免费维修。", "渗水 漏水"),
    ("engineering", "外墙出现裂缝由谁负责维修？",
     "保修期内由开发商负责维修，请向客服中心报修，工程部安排检测。", ""),
    ("property", "物业费的收费标准是多少？",
     "住宅物业费按政府备案标准收取，每月每平方米 3.5 元，按季度缴纳。", "管理费"),
    ("property", "停车位怎么租？",
     "请携带行驶证和身份证到管理处办理车位租赁，月租按公示价格收取。", "车位 停车场"),
    ("property", "装修需要办理什么手续？",
     "请到管理处办理装修申请，缴纳装修押金，签订装修管理协议后领取装修许可证。", "装修许可"),
    ("property", "快递可以代收吗？",
     "管理处前台可代收快递，请凭取件码或业主卡领取。", ""),
    ("property", "宠物需要登记吗？",
     "饲养宠物须到管理处办理宠物饲养登记，并遵守文明养犬规定。", "养狗 养猫"),
]


def fill(runtime: Runtime) -> FaqBook:
    """The book of BOOK on the runtime's store."""
    faq = FaqBook.for_policy(runtime.store, runtime.clock, runtime.policies.effective(None))
    for line, question, answer, keywords in BOOK:
        faq.add(line=line, question=question, answer=answer, keywords=keywords, actor="zhang.wei")
    return faq


@pytest.fixture
def book(runtime: Runtime) -> FaqBook:
    """A filled book on a fresh database of each backend."""
    return fill(runtime)


@pytest.fixture(scope="module")
def shared_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaqBook]:
    """A filled book on one SQLite database for the read-only search tests."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('faq') / 'kefu.db'}")
    store.migrate()
    runtime = Runtime(store, load_policy_set(ROOT / "policies"), ProcessRegistry({}),
                      FixedClock(shanghai("2026-11-23 10:00")))
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    yield fill(runtime)
    store.dispose()


def top(book: FaqBook, text: str) -> str:
    hits = book.search(text)
    assert hits, f"nothing found for {text!r}"
    return hits[0].entry.question


def test_tokenize_cuts_chinese_into_characters_and_pairs_and_keeps_latin_words() -> None:
    terms = tokenize("阳台能封吗? WiFi 100")
    assert {"阳台", "台能", "能封", "封吗", "阳", "台", "封", "wifi", "100"} <= set(terms)
    assert "吗" not in terms  # a filler character alone is not a term


@pytest.mark.parametrize(("asked", "expected"), [
    ("阳台能不能封？", "阳台可以封闭吗？"),
    ("我想封阳台", "阳台可以封闭吗？"),
    ("房产证什么时候能办下来", "购房后多久可以办理房产证？"),
    ("不动产权证多久办好", "购房后多久可以办理房产证？"),
    ("家里卫生间渗水了", "卫生间漏水怎么办？"),
    ("物业管理费一个月多少钱", "物业费的收费标准是多少？"),
    ("想租个车位", "停车位怎么租？"),
    ("房子保修几年", "房屋保修期是多久？"),
    ("装修要办哪些手续", "装修需要办理什么手续？"),
    ("可以砸墙吗", "户型图上的承重墙能拆改吗？"),
    ("养狗要不要登记", "宠物需要登记吗？"),
    ("外墙裂了谁来修", "外墙出现裂缝由谁负责维修？"),
])
def test_search_finds_the_entry_for_a_question_asked_in_other_words(shared_book: FaqBook, asked: str,
                                                                     expected: str) -> None:
    assert top(shared_book, asked) == expected


def test_search_for_something_the_book_does_not_cover_finds_nothing(shared_book: FaqBook) -> None:
    assert shared_book.search("小区附近有地铁站吗") == []
    assert shared_book.search("？？？") == []


def test_search_can_be_limited_to_one_line(shared_book: FaqBook) -> None:
    hits = shared_book.search("装修", line="design")
    assert hits and all(h.entry.line == "design" for h in hits)


def test_an_entry_needs_a_known_line_a_question_and_an_answer(book: FaqBook) -> None:
    with pytest.raises(FormError) as caught:
        book.add(line="kitchen", question="", answer="", actor="zhang.wei")
    assert set(caught.value.errors) == {"line", "question", "answer"}
    assert "marketing, design, engineering, property" in caught.value.errors["line"]


def test_editing_an_entry_keeps_the_old_wording_and_reindexes_it(book: FaqBook) -> None:
    entry = book.search("快递")[0].entry
    changed = book.update(entry.id, version=entry.version, line="property", question="快递可以放在前台吗？",
                          answer="前台可代收快递，保管 7 天。", actor="he.jing")
    assert changed.version == 2
    assert [r.answer for r in book.revisions(entry.id)] == [entry.answer, "前台可代收快递，保管 7 天。"]
    assert book.search("快递放前台")[0].entry.answer == "前台可代收快递，保管 7 天。"


def test_a_stale_edit_is_refused_with_who_changed_it(book: FaqBook) -> None:
    entry = book.search("快递")[0].entry
    book.update(entry.id, version=1, line="property", question=entry.question, answer="新说法",
                actor="he.jing")
    with pytest.raises(ConflictError) as caught:
        book.update(entry.id, version=1, line="property", question=entry.question, answer="另一说法",
                    actor="zhang.wei")
    assert "he.jing" in str(caught.value)


def test_a_retired_entry_is_no_longer_found_but_kept(book: FaqBook) -> None:
    entry = book.search("宠物登记")[0].entry
    book.retire(entry.id, version=entry.version, actor="he.jing")
    assert all(h.entry.id != entry.id for h in book.search("宠物登记"))
    assert book.get(entry.id).active is False
    assert len(book.entries(include_retired=True)) == len(BOOK)


def test_an_unknown_entry_is_not_found(book: FaqBook) -> None:
    with pytest.raises(NotFoundError):
        book.get(9999)


WORDING = "可以安装，请先到管理处申请，并由电力部门报装。"


def answered_consultation(runtime: Runtime) -> str:
    """A consultation answered by the expert with wording confirmed by the customer manager."""
    case = runtime.open_case("consultation", {"customer_name": "陈先生", "customer_phone": "13711112222",
                                              "channel": "phone", "question": "小区可以安装充电桩吗？",
                                              "line": "property"}, "zhang.wei")
    for name, data in [("ask_expert", {"expert_answer": "需物业同意并报电力部门"}),
                       ("confirm_wording", {"wording_confirmed": True,
                                            "confirmed_wording": WORDING})]:
        case = runtime.get_case(case.number, "zheng.xiaoyan")
        task = next(t for t in case.tasks if t.task_name == name)
        worker = {"ask_expert": "gao.jianhua", "confirm_wording": "he.jing"}[name]
        runtime.complete_task(task.task_id, worker, data)
    return case.number


def test_a_consultations_confirmed_answer_is_added_to_the_book_in_one_step(runtime: Runtime,
                                                                         book: FaqBook) -> None:
    number = answered_consultation(runtime)
    entry = book.add_from_consultation(runtime, number, "zhang.wei")
    assert (entry.line, entry.question, entry.source_case) == ("property", "小区可以安装充电桩吗？", number)
    assert entry.answer == WORDING
    assert top(book, "能装充电桩吗") == "小区可以安装充电桩吗？"
    with pytest.raises(ConflictError):
        book.add_from_consultation(runtime, number, "zhang.wei")  # once only


def test_a_consultation_without_confirmed_wording_cannot_be_added(runtime: Runtime, book: FaqBook) -> None:
    case = runtime.open_case("consultation", {"customer_name": "陈先生", "customer_phone": "13711112222",
                                              "channel": "phone", "question": "可以养鸡吗？"}, "zhang.wei")
    with pytest.raises(FormError) as caught:
        book.add_from_consultation(runtime, case.number, "zhang.wei")
    assert "confirm" in str(caught.value)


def test_a_consultation_answered_from_the_book_uses_the_books_wording(runtime: Runtime,
                                                                      book: FaqBook) -> None:
    entry = book.search("阳台能不能封")[0].entry
    intake = {"customer_name": "陈先生", "customer_phone": "13711112222", "channel": "phone",
              "question": "阳台能不能封？", "faq_answer": "随便怎么封都行"}  # a typed wording is ignored
    case = book.open_consultation(runtime, intake, "zhang.wei", entry_id=entry.id)
    data = runtime.case_data(case.number, "zhang.wei")
    assert data["reply_text"] == entry.answer
    assert (data["reply_source"], data["faq_entry_id"]) == ("faq", str(entry.id))
    book.retire(entry.id, version=entry.version, actor="he.jing")
    with pytest.raises(FormError):
        book.open_consultation(runtime, intake, "zhang.wei", entry_id=entry.id)


def test_only_the_policys_faq_editors_may_change_the_book(book: FaqBook) -> None:
    with pytest.raises(PermissionDenied, match="consultation.faq_editors"):
        book.add(line="property", question="能养鸡吗？", answer="不能。", actor="deng.haitao")  # an engineer
    entry = book.search("快递")[0].entry
    with pytest.raises(PermissionDenied):
        book.retire(entry.id, version=entry.version, actor="yang.fan")  # a department head
    assert book.add(line="property", question="能养鸡吗？", answer="不能。", actor="gao.jianhua").id  # expert
