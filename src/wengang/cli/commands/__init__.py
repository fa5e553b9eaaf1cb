"""One module per command (or command group). Each defines ``register(subparsers)``; the
parser found in ``set_defaults(run=…)`` is called with the parsed args and returns an exit
code.

``COMMANDS`` names each command with its one-line help, so ``wengang --help`` lists them all
while only the module of the command being run is imported (a new process starts in a
fraction of the time all sixteen took, with their reports, openpyxl and pypinyin). A module
missing from the table is still discovered and registered, only imported at every start:
add its line here.
"""

from __future__ import annotations

# command name → (module in this package, help as its register() gives it, aliases)
COMMANDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "archive": ("archive", "报送存档：列出已报送的报表、取回报送文件、锁定/解锁月份", ()),
    "audit": ("audit", "修改记录：查看、导出Excel；撤销导入批次；回收站", ()),
    "backup": ("backup", "备份数据库（默认放到数据文件夹的 backups 中，自动保留最近10份）", ()),
    "bulletin": ("bulletin", "根据就业统计表（F1）和目标任务完成情况（F3）起草通报", ()),
    "check-consistency": ("check_consistency", "三一致核对：国家系统导出与台账逐人比对", ()),
    "demo": ("demo", "生成示范县（演示、测试用的模拟数据）", ()),
    "gui": ("gui", "打开主窗口（默认）", ()),
    "import": ("import_", "导入人员、务工等数据（有错误则整份不导入）", ()),
    "info": ("info", "数据库概况：各表记录数、各乡镇户数人数", ()),
    "ledger": ("ledger", "导出台账（六张清单、公益性岗位、帮扶车间、易地搬迁）", ()),
    "password": ("password", "数据库加密：set 设置密码（加密现有数据库），change 修改密码", ()),
    "quality": ("quality", "数据质量检查：按规则查出有问题的记录", ()),
    "report": ("report", "生成统计报表 F1–F9（Excel、CSV、PDF）", ()),
    "restore": ("restore", "从备份文件恢复数据库（先检查备份，当前数据库另存为 *.before-restore）", ()),
    "setup": ("setup", "本单位设置：所在省/市/县、填报单位、填报人、审核人（不带参数时显示当前设置）",
              ("settings",)),
    "template": ("template", "生成导入模板（表头和填写说明）", ()),
}
