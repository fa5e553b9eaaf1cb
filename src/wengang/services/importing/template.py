"""Empty import templates: the canonical header row plus a 填写说明 sheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from wengang.domain.codes import codes
from wengang.services.importing.spec import FieldSpec, kind_spec
from wengang.services.xlsx_stream import save_workbook

REQUIRED_FILL = PatternFill("solid", start_color="FFFFF2CC", end_color="FFFFF2CC")

_RULES = {
    "text": "文字",
    "id": "18位身份证号码，末位可为X；请把此列设为文本，防止Excel把号码存成数字而丢失末位",
    "date": "日期，如2023-05-01，也可写2023/5/1、2023.5.1、2023年5月1日、2023年05月、202305",
    "month": "年月，如2023年04月、2023-04、202304",
    "yesno": "是或否（也可写Y/N、1/0、√/×）",
    "money": "数字，单位元",
    "int": "整数",
    "year": "4位年份，如2023",
    "phone": "11位手机号码；固定电话写区号，如0931-1234567",
    "place": "省市县，如浙江省宁波市鄞州区",
}


def field_rule(f: FieldSpec) -> str:
    """What a caseworker may write in this column."""
    if f.parse == "code":
        code_list = codes(f.code or f.key)
        allowed = "；".join(code_list.values)  # values may contain 、 (农、林、牧、渔业)
        rule = f"可填：{allowed}" + ("（也可填其他文字）" if code_list.free_text else "")
    else:
        rule = _RULES.get(f.parse, "")
    return f"{rule}。{f.note}" if f.note else rule


def write_template(kind: str, path: str | Path) -> Path:
    """An empty template for ``kind`` at ``path`` (.xlsx)."""
    spec = kind_spec(kind)
    fields = spec.template_fields
    wb = Workbook()
    ws = wb.active
    ws.title = spec.label
    ws.append([f.label for f in fields])
    for i, f in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        if f.required:
            cell.fill = REQUIRED_FILL
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(24, 2 * len(f.label) + 4))
        if f.parse in ("id", "text", "phone"):
            ws.column_dimensions[letter].number_format = "@"  # IDs and numbers as typed
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for f in fields:
        guide.append([f.label, "必填" if f.required else "选填", field_rule(f), f.example])
    guide.append([])
    guide.append(["说明", "", (f"第一行是列名，请勿修改；从第二行起每行一条{spec.label}。"
                               "必填列的列名以黄色标出。同一文件可反复导入：已有的记录按关键信息更新，不会重复。"), ""])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 10, 70, 22)):
        guide.column_dimensions[letter].width = width
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path
