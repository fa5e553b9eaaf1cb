"""Migration 0001: the first schema (households, persons, employment spells, …)."""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

# Dates are ISO text (YYYY-MM-DD); booleans are 0/1; money is REAL yuan.
# Every entity row carries a GUID (Epi Info's habit: merge transport packages by GUID)
# and created/updated stamps; the audit trail and soft delete come in later migrations.
_STAMPS = """
    guid TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    batch_id INTEGER REFERENCES import_batches(id)
"""

SCHEMA_V1 = f"""
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT,
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    finished_at TEXT,
    user TEXT,
    rows INTEGER DEFAULT 0,
    added INTEGER DEFAULT 0,
    changed INTEGER DEFAULT 0,
    unchanged INTEGER DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running'
);

-- 省/市/县/乡镇/村/组, a tree; an installation's root is usually one county.
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province','city','county','township','village','group')),
    parent_id INTEGER REFERENCES areas(id),
    code TEXT,
    sort_order INTEGER DEFAULT 0,
    UNIQUE (parent_id, name)
);
CREATE INDEX idx_areas_parent ON areas(parent_id);

CREATE TABLE relocation_sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    county TEXT,
    township TEXT,
    area_id INTEGER REFERENCES areas(id),
    site_type TEXT,            -- 城镇 / 农村
    over_800 INTEGER NOT NULL DEFAULT 0,
    {_STAMPS}
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,        -- 帮扶车间 / 龙头企业 / 就业帮扶基地 / 人力资源服务机构 / 创业孵化基地
    area_id INTEGER REFERENCES areas(id),
    contact TEXT,
    phone TEXT,
    recognised_date TEXT,      -- 认定日期 (counts of workshops "now vs a reference date")
    closed_date TEXT,
    {_STAMPS},
    UNIQUE (name, kind)
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    hh_no TEXT NOT NULL UNIQUE,          -- 户编号
    area_id INTEGER NOT NULL REFERENCES areas(id),   -- village (or group)
    head_name TEXT,                      -- 户主姓名
    hh_type TEXT NOT NULL,               -- 脱贫户 / 监测户 / 同步搬迁户
    monitor_category TEXT,               -- 监测对象类别
    exit_year INTEGER,                   -- 脱贫年度
    relocated INTEGER NOT NULL DEFAULT 0,-- 是否易地扶贫搬迁
    site_id INTEGER REFERENCES relocation_sites(id),
    placement TEXT,                      -- 集中 / 分散
    address TEXT,
    phone TEXT,
    {_STAMPS}
);
CREATE INDEX idx_households_area ON households(area_id);
CREATE INDEX idx_households_site ON households(site_id);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    person_no TEXT,                      -- 人口编号
    name TEXT NOT NULL,
    id_number TEXT NOT NULL UNIQUE,      -- 证件号码 (18 digits)
    gender TEXT,                         -- from the ID
    birth_date TEXT,                     -- from the ID
    relation TEXT,                       -- 与户主关系
    education TEXT,
    student_status TEXT,
    health TEXT,
    labour_skill TEXT,
    phone TEXT,
    phone_is_landline INTEGER NOT NULL DEFAULT 0,
    pinyin_initials TEXT,                -- "zs" for 张三: search without FTS
    verified_at TEXT,                    -- last time a caseworker confirmed the record
    {_STAMPS}
);
CREATE INDEX idx_persons_household ON persons(household_id);
CREATE INDEX idx_persons_name ON persons(name);
CREATE INDEX idx_persons_pinyin ON persons(pinyin_initials);
CREATE INDEX idx_persons_phone ON persons(phone);

-- 务工就业记录: one person, one job, from start to end (NULL while still working).
CREATE TABLE employment_spells (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    end_date TEXT,
    region TEXT,                 -- 省外 / 省内县外 / 县内
    channel TEXT,                -- 就业渠道
    place_province TEXT,
    place_city TEXT,
    place_county TEXT,
    employer_name TEXT,          -- 务工企业名称
    industry TEXT,               -- 务工所属行业 (GB/T 4754 section)
    monthly_income REAL,
    return_reason TEXT,
    org_id INTEGER REFERENCES organisations(id),
    point_to_point INTEGER,      -- 是否点对点输送
    transport_subsidy REAL,      -- 年度交通费补助 as exported
    {_STAMPS},
    CHECK (end_date IS NULL OR end_date >= start_date),
    UNIQUE (person_id, start_date)
);
CREATE INDEX idx_spells_start ON employment_spells(start_date);
CREATE INDEX idx_spells_end ON employment_spells(end_date);
CREATE INDEX idx_spells_org ON employment_spells(org_id);

-- 乡村公益性岗位: a spell with channel 公益性岗位 plus the post's particulars (seed 001 §8).
CREATE TABLE welfare_posts (
    spell_id INTEGER PRIMARY KEY REFERENCES employment_spells(id) ON DELETE CASCADE,
    post_name TEXT,
    post_type TEXT,
    developer TEXT,              -- 开发主体
    funding TEXT,                -- 资金渠道
    pay_standard REAL,           -- 待遇标准 (元/月)
    {_STAMPS}
);

-- 意愿摸排
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    survey_date TEXT NOT NULL,
    willing INTEGER NOT NULL,    -- 是否有外出意愿
    planned_month TEXT,          -- 计划外出时间 (YYYY-MM)
    reason TEXT,                 -- 未外出原因
    measure TEXT,                -- 增收措施
    {_STAMPS},
    UNIQUE (person_id, survey_date)
);

-- 就业服务: 职业指导 / 岗位信息推送 / 免费培训 / 其他
CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    service_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT,
    note TEXT,
    {_STAMPS},
    UNIQUE (person_id, service_date, kind)
);
CREATE INDEX idx_services_date ON services(service_date);

-- 政策享受/补贴: paid to a person or to an organisation.
CREATE TABLE subsidies (
    id INTEGER PRIMARY KEY,
    person_id INTEGER REFERENCES persons(id) ON DELETE CASCADE,
    org_id INTEGER REFERENCES organisations(id),
    paid_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount REAL NOT NULL,
    funding TEXT,                -- 就业补助资金 / 衔接资金 / 其他
    persons_covered INTEGER,     -- for payments to organisations: how many people it was for
    policy_text TEXT,            -- 政策内容 (for 其他)
    note TEXT,
    {_STAMPS},
    CHECK (person_id IS NOT NULL OR org_id IS NOT NULL)
);
CREATE INDEX idx_subsidies_person ON subsidies(person_id);
CREATE INDEX idx_subsidies_date ON subsidies(paid_date);

-- 目标任务: per area and year
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    year INTEGER NOT NULL,
    target INTEGER NOT NULL,
    {_STAMPS},
    UNIQUE (area_id, year)
);

-- 抽查核查 (seed 004)
CREATE TABLE spot_checks (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    check_date TEXT NOT NULL,
    checker TEXT,
    phone_connected INTEGER NOT NULL,
    place_consistent INTEGER,
    time_consistent INTEGER,
    policy_aware INTEGER,
    {_STAMPS},
    UNIQUE (person_id, check_date)
);
CREATE INDEX idx_checks_date ON spot_checks(check_date);

-- Data-quality warnings found on import or by the rules, kept for the quality panel.
CREATE TABLE quality_findings (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'warning',
    person_id INTEGER REFERENCES persons(id) ON DELETE CASCADE,
    household_id INTEGER REFERENCES households(id) ON DELETE CASCADE,
    field TEXT,
    message TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batches(id),
    found_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    resolved_at TEXT
);
CREATE INDEX idx_findings_person ON quality_findings(person_id);
CREATE INDEX idx_findings_rule ON quality_findings(rule);
"""


@migrations(name="0001_initial")
def m0001_initial(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA_V1)

