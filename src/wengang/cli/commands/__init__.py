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
    "counties": ("counties", "市级：登记本市的县（市、区）", ()),
    "deadlines": ("deadlines", "报送时间表：按工作日（含调休）算出的下次报送和已逾期的报表", ()),
    "demo": ("demo", "生成示范县（演示、测试用的模拟数据）", ()),
    "entitlements": ("entitlements", "应享未享：按本省补贴政策规则查出符合条件而未领取补贴的人和单位", ()),
    "exchange": ("exchange", "乡镇与县之间的数据交换（交换包的生成、导入、冲突处理）", ()),
    "followup": ("followup", "返乡回流跟踪：返乡后N个工作日内要跟踪（摸排或服务），列出逾期未跟踪的人", ()),
    "gui": ("gui", "打开主窗口（默认）", ()),
    "import": ("import_", "导入人员、务工等数据（有错误则整份不导入）", ()),
    "info": ("info", "数据库概况：各表记录数、各乡镇户数人数", ()),
    "ledger": ("ledger", "导出台账（六张清单、公益性岗位、帮扶车间、易地搬迁）", ()),
    "password": ("password", "数据库加密：set 设置密码（加密现有数据库），change 修改密码", ()),
    "quality": ("quality", "数据质量检查：按规则查出有问题的记录", ()),
    "receive": ("receive", "市级：接收各县的报送文件（核对签名和表内关系，逐个文件全收或全不收）", ()),
    "report": ("report", "生成统计报表 F1–F9（Excel、CSV、PDF）", ()),
    "restore": ("restore", "从备份文件恢复数据库（先检查备份，当前数据库另存为 *.before-restore）", ()),
    "services": ("services", "1-3-1就业服务：谁还缺服务、批量登记服务、打印服务单", ()),
    "setup": ("setup", "本单位设置：所在省/市/县、填报单位、填报人、审核人（不带参数时显示当前设置）",
              ("settings",)),
    "sites": ("sites", "易地搬迁安置点：岗位供给清单、有意愿劳动力“1次培训3次岗位推荐”检查", ()),
    "spot-check": ("spot_check", "电话抽查：抽样、打印抽查电话单、导入核查结果、生成F9", ()),
    "submissions": ("submissions", "市级：报送情况和催报名单（哪个县哪张表哪一期未报，逾期几个工作日）", ()),
    "submit": ("submit", "向市里报送报表：生成一个签名的报送文件（只含汇总数字）", ()),
    "survey-sheet": ("survey_sheet", "入户摸排核实表：按村或按户导出（预填现有信息）、导入填好的表、摸排提醒", ()),
    "template": ("template", "生成导入模板（表头和填写说明）", ()),
}
