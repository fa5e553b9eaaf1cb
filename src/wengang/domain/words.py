"""Where a column header may break: between words, never inside one ("就/业").

Chinese has no spaces, and Qt's, Excel's and LibreOffice's line breaking may break between any
two characters. Headers are therefore cut into words here — the vocabulary of the forms and
ledgers, a year ("2024年"), a number, a bracketed unit ("（%）", "（元/月）") — and lines are
filled word by word (:func:`break_lines`); the painter, the window's report table and the form
workbook set the lines as given and make every column at least as wide as its longest word.
Pure Python: measured through a ``width(text)`` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The words of the form and ledger headers (resources/forms, resources/ledgers), longest first
# at each position by the matcher below; unknown characters stand alone.
_VOCABULARY_TEXT = """
脱贫 脱贫人口 人口 监测 对象 监测对象 劳动力 劳动 就业 务工 务工就业 人数 人员 人次数 人次
县内 县外 省内 省外 市外 境外 乡镇 街道 行政村 社区 村 安置点 搬迁 易地 同步
目标 任务 完成 比例 合计 总计 其中 目前 至今 尚未 计划 外出 意愿 有意愿 还差 距
公益性 公益 岗位 公益岗 帮扶 车间 扶贫 龙头 企业 基地 载体 吸纳 带动 安置 孵化 创业
政策 落实 情况 服务 补贴 补助 奖补 资金 渠道 其他 享受 社会 保险 一次性 待遇 标准
信息 一致 提供 免费 培训 职业 指导 推送 户内 减少 已就业 未就业 数量 时间 是否 序号
姓名 性别 年龄 证件 号码 证件号码 联系 电话 联系电话 户编号 户主 关系 与户主关系 户类型 类别
技能 劳动技能 在校生 状况 地域 就业地域 地点 务工地点 名称 企业名称 所属 行业 所属行业 月收入 收入
返乡 原因 返乡原因 时间 外出时间 返乡时间 摸排 日期 核实 核实日期 备注 单位 金额 类型 年度
上年 本年 输出 再输出 增收 措施 开发 主体 方式 开始 需要 上岗
"""
VOCABULARY = frozenset(_VOCABULARY_TEXT.split())
_LONGEST = max(len(w) for w in VOCABULARY)
# A year or number with its unit, a bracketed part, a run of Latin letters or digits.
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:年|月|日|%|元|人)?|[（(][^）)]{0,8}[）)]|[A-Za-z]+|\{[^}]*\}")
_OPENING = "（(《“"


def words(text: str) -> list[str]:
    """``"2024年县内就业人数（%）"`` → ``["2024年", "县内", "就业", "人数", "（%）"]``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        token = _TOKEN.match(text, i)
        if token:
            out.append(token.group())
            i = token.end()
            continue
        for size in range(min(_LONGEST, len(text) - i), 1, -1):
            if text[i:i + size] in VOCABULARY:
                out.append(text[i:i + size])
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    # Punctuation that cannot start a line joins the word before it ("情况、" not "、" alone).
    merged: list[str] = []
    for word in out:
        joins = word in "、，。：；）)%" or (merged and merged[-1] and merged[-1][-1] in _OPENING)
        if merged and joins:
            merged[-1] += word
        else:
            merged.append(word)
    return merged


def longest_word(text: str, width: Callable[[str], float]) -> float:
    """The width of the widest word: a column narrower than this would break inside a word."""
    return max((width(w) for w in words(text)), default=0.0)


def break_lines(text: str, room: float, width: Callable[[str], float]) -> list[str]:
    """``text`` in lines no wider than ``room``, broken only between words (a word wider than
    the room gets a line of its own and is not cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in words(paragraph) or [""]:
            if line and width(line + word) > room:
                lines.append(line)
                line = word
            else:
                line += word
        lines.append(line)
    return lines
