//! `cvv-storage`: the card security code (CVV/CVC/CVV2/security code) persisted after
//! authorization.
//!
//! Reported where the CVV value is stored: SQL DDL/DML (`CREATE TABLE … cvv`, `ADD COLUMN cvv`,
//! `INSERT INTO … (cvv)`, `UPDATE … SET cvv =`), migrations and ORM fields (`t.string :cvv`,
//! `$table->string('cvv')`, `models.CharField`, `Column(…)`, `@Column`, `DataTypes`, Mongoose
//! `type: String`, `gorm:`/`db:` tags, Prisma models, JPA `@Entity` fields), persistence, cache,
//! session and file writes whose arguments carry the CVV (`Card.create({cvv})`, `redis.set(…, cvv)`,
//! `localStorage.setItem`, `$_SESSION['cvv'] =`, `fs.writeFile`), an attribute set on a model that
//! is then saved, and log calls that print it. Not reported: sending it to the payment API, form
//! fields and validation, result flags (`cvc_check`, `cvvResult`), scrubbing (`cvv = null`,
//! `delete card.cvv`), comments.
//! See: API.md §15.9 ("never store CVV") and PCI DSS req. 3.3.1.2.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::code::{self, chain_at, code_mask, enclosing_call, ident_at, is_comment_line, words};
use super::{Detection, Detector, FileView};
use crate::probe::static_scan::context::Lang;

/// The detector.
pub(crate) const DETECTOR: Detector =
    Detector { name: "cvv-storage", file_level: false, keywords: &[], finder: None, detect };

/// Words that make a CVV identifier something other than the value.
const NOT_VALUE: &[&str] = &[
    "result",
    "results",
    "check",
    "checks",
    "checked",
    "verified",
    "match",
    "matched",
    "status",
    "response",
    "resp",
    "valid",
    "validation",
    "validate",
    "validator",
    "present",
    "provided",
    "required",
    "length",
    "len",
    "enabled",
    "policy",
    "mode",
    "error",
    "errors",
    "regex",
    "pattern",
    "label",
    "placeholder",
    "hint",
    "mask",
    "masked",
    "input",
    "field",
    "focus",
    "blur",
    "visible",
    "show",
    "hide",
    "ref",
    "element",
    "el",
    "container",
    "frame",
    "iframe",
    "icon",
    "tooltip",
    "message",
    "msg",
    "supported",
    "optional",
    "rule",
    "rules",
    "type",
    "max",
    "min",
    "size",
    "format",
    "token",
    "code_check",
    "indicator",
    "outcome",
    "failed",
    "failure",
    "help",
    "text",
    "title",
    "id",
    "selector",
    "style",
    "class",
    "container",
    "wrapper",
    "listener",
    "handler",
    "on",
    "is",
    "has",
    "should",
    "requires",
    "ask",
    "prompt",
    "change",
    "changed",
    "state",
    "display",
    "span",
    "div",
    "props",
    "test",
    "passed",
    "pass",
    "ok",
    "success",
    "succeeded",
    "flag",
    "matches",
    "performed",
    "supplied",
    "entered",
];

static SQL_WRITE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\binsert\s+into\b|\bupdate\s+[A-Za-z0-9_.`\x22\[\]]+\s+set\b|\badd\s+(?:column\s+)?[`\x22\[]?[a-z_]*(?:cvv|cvc|security_?code)|\balter\s+table\b|\bset\s+[`\x22]?[a-z_]*(?:cvv|cvc)[a-z0-9_]*[`\x22]?\s*=")
        .expect("a literal regex that is tested")
});

static ORM_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"@Column|\bColumn\(|mapped_column|\bmodels\.[A-Za-z]+Field|db\.Column|\bfields\.[A-Za-z]+\(",
        r"|\b(?:t|table)\.(?:string|integer|text|char|column|bigint|smallint)\b|add_column|\$table->",
        r"|DataTypes\.|Sequelize\.(?:STRING|INTEGER|CHAR)|\btype:\s*(?:String|Number)\b|:\s*(?:String|Number)\s*[,}]",
        r"|gorm:\x22|\bdb:\x22|bson:\x22|@Field\b|@Prop\(|@Property\b|\bproperty\s+:|\bfield\s+:|\[Column|HasColumnName",
        r"|->(?:string|integer|char|text)\(|@Attribute\b|Field\(|CharField|IntegerField",
    ))
    .expect("a literal regex that is tested")
});

/// A Kotlin property or parameter declaration: `val cvv2: String?`, `cvv: String,`.
static KOTLIN_DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:val|var)\s+)?[A-Za-z_][A-Za-z0-9_]*\s*:\s*[A-Z][A-Za-z0-9_<>]*\??\s*(?:[,)=]|$)")
        .expect("a literal regex that is tested")
});

/// A Sequel/ActiveRecord-style typed column: `String :security_code, size: 4`.
static SEQUEL_COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:String|Integer|Fixnum|Bignum|column|varchar|char)\s+:[a-z_]*(?:cvv|cvc|security_code)")
        .expect("a literal regex that is tested")
});

static STORE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:save|create|insert|insertone|insertmany|insert_one|insert_many|update|updateone|update_one",
        r"|updatemany|upsert|persist|put|set|setex|hset|hmset|setitem|write|writefile|writefilesync|appendfile",
        r"|appendfilesync|file_put_contents|fwrite|fputs|add|store|remember|cache|create!|save!|update!",
        r"|update_attribute|update_attributes|update_column|update_columns|new|build|setcvv|setcvc|setsecuritycode|push|rpush|lpush|sadd|add_item|bulk_create|get_or_create|update_or_create|firstorcreate|updateorcreate",
        r"|cookie|setcookie|set_cookie|update_meta_data|add_meta_data|update_post_meta|add_post_meta|update_user_meta",
        r"|add_user_meta|update_option|add_option|set_transient|wc_update_order_item_meta|wc_add_order_item_meta)$",
    ))
    .expect("a literal regex that is tested")
});

/// Receivers that send the CVV to the payment service instead of storing it.
const OUTBOUND: &[&str] = &[
    "api",
    "client",
    "http",
    "https",
    "axios",
    "fetch",
    "request",
    "requests",
    "exirom",
    "gateway",
    "stripe",
    "sdk",
    "adyen",
    "braintree",
    "psp",
    "got",
    "superagent",
    "httpx",
    "guzzle",
    "curl",
    "resttemplate",
    "webclient",
    "faraday",
    "processor",
    "charge",
    "form",
    "formdata",
    "params",
    "searchparams",
    "headers",
    "errors",
    "validator",
    "schema",
    "yup",
    "joi",
    "zod",
    "url",
    "body",
    "payload",
    "map",
    "object",
    "json",
    "dict",
    "hash",
    "result",
    "builder",
];

fn detect(view: &FileView<'_>, hits: &[Range<usize>]) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    let mut last_line = usize::MAX;
    for h in hits {
        let n = view.line_of(h.start);
        if n == last_line {
            continue;
        }
        if let Some(note) = judge(view, h.start, n) {
            last_line = n;
            let id = ident_at(view.text, h.start);
            out.push(Detection::at(id.clone()).value(format!("{} {}", note, &view.text[id])).note(note));
        }
    }
    out
}

fn judge(view: &FileView<'_>, pos: usize, n: usize) -> Option<&'static str> {
    let text = view.text;
    let lang = view.ctx.lang;
    let lr = view.line_range(n);
    let line = &text[lr.clone()];
    if is_comment_line(line, lang) {
        return None;
    }
    let id = ident_at(text, pos);
    let w = words(&text[id.clone()]);
    if w.iter().any(|x| NOT_VALUE.contains(&x.as_str())) {
        return None;
    }
    if scrubbed(line, id.end - lr.start) {
        return None;
    }
    // An annotation (`@Column(name = "cvv")`) whose field follows is reported at the field.
    let t = line.trim_start();
    if (t.starts_with('@') || t.starts_with('['))
        && !SQL_WRITE.is_match(line)
        && words(view.line(n + 1)).iter().any(|w| matches!(w.as_str(), "cvv" | "cvc" | "cvv2" | "cvc2"))
    {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    // Removing the column is the fix, not storage (`DROP COLUMN cvv`, `dropColumn('cvv')`,
    // `remove_column :cards, :cvv`, Django `RemoveField`).
    if ["drop column", "dropcolumn", "drop_column", "remove_column", "removecolumn", "removefield"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return None;
    }
    // SQL: DML on the line, or a column inside CREATE TABLE.
    if SQL_WRITE.is_match(line) || in_create_table(view, n) {
        return Some("CVV column or SQL write");
    }
    if lang == Lang::Sql {
        return None;
    }
    // ORM field declarations and migrations, on the line or in the annotation above.
    let prev = if n > 0 { view.line(n - 1) } else { "" };
    let boolean =
        ["Boolean", "boolean", "bool", "BOOLEAN", "BooleanField", "TINYINT(1)"].iter().any(|b| line.contains(b));
    // Looked up only for JVM/.NET lines that need it: it reads the whole file.
    let entity_file = || ["@Entity", "@MappedEntity", "@Table(", "@Document"].iter().any(|a| text.contains(a));
    // Kotlin parameters and properties (`val cvv: String,`) read like a Mongoose schema; they are
    // columns only in an entity.
    let kotlin_decl = lang == Lang::Jvm && KOTLIN_DECL.is_match(line);
    let annotated_field = prev.trim_start().starts_with(['@', '['])
        && (ORM_FIELD.is_match(prev) || prev.contains("@MappedProperty") || prev.contains("@Column"));
    if !boolean
        && !in_form_class(view, n)
        && (ORM_FIELD.is_match(line) && (!kotlin_decl || entity_file()) || annotated_field)
    {
        return Some("CVV field in a database model or migration");
    }
    if view.path.ends_with(".prisma") && line.trim_start().starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("CVV field in a database model or migration");
    }
    if matches!(lang, Lang::Jvm | Lang::CSharp)
        && (((lower.contains("string ") || lower.contains("int ") || lower.contains("integer "))
            && line.trim_end().ends_with(';')
            && !line.contains('('))
            || KOTLIN_DECL.is_match(line) && !line.contains("fun "))
        && entity_file()
    {
        return Some("CVV field in a database model or migration");
    }
    // Sequel migrations: `String :security_code, size: 4`.
    if lang == Lang::Ruby && SEQUEL_COLUMN.is_match(line) {
        return Some("CVV field in a database model or migration");
    }
    // Session storage.
    if (lower.contains("$_session")
        || lower.contains("session[")
        || lower.contains("session.")
        || lower.contains("session->"))
        && assigned_on_line(line, id.end - lr.start)
    {
        return Some("CVV written to a session, cache or file");
    }
    // A write call whose arguments include the CVV.
    let mut p = pos;
    for _ in 0..3 {
        let Some((callee, open)) = enclosing_call(view, p) else {
            break;
        };
        // A method called on an expression (`DB[:payments].insert(`) has a receiver even when the
        // callee's chain starts after `]` or `)`.
        let on_expression = text[..callee.start].ends_with(['.', ']', ')']) || text[..callee.start].ends_with("->");
        let name = &text[callee.clone()];
        let bare = name.trim_start_matches(['.', '-', '>']);
        let name = if (on_expression || bare.len() < name.len()) && !bare.contains(['.', '>', ':']) {
            format!("expr.{bare}")
        } else {
            name.to_string()
        };
        let name = name.as_str();
        if constructed_and_saved(view, callee.clone()) {
            return Some("CVV stored on a model that is saved");
        }
        if is_store_call(name) {
            return Some(if is_log_like(name) { "CVV written to a log" } else { "CVV written to storage" });
        }
        if code::log_calls_in(view, callee.start..open + 1).iter().any(|c| c.callee.start == callee.start) {
            return is_value(view, pos, lr.start).then_some("CVV written to a log");
        }
        p = open;
    }
    // `card.cvv = x` / `$card->cvv = x` / `card.setCvv(x)` followed by saving that object.
    let chain = chain_at(text, pos);
    let chain_text = &text[chain.clone()];
    if (assigned_on_line(line, chain.end - lr.start) || text[chain.end..].trim_start().starts_with('('))
        && let Some(obj) = object_of(chain_text)
        && saved_after(view, n, obj)
    {
        return Some("CVV stored on a model that is saved");
    }
    None
}

/// `cvv = null`, `delete card.cvv`, `unset($x['cvv'])`, `del d['cvv']`, `.pop('cvv')`, `omit`.
fn scrubbed(line: &str, after_ident: usize) -> bool {
    let l = line.to_ascii_lowercase();
    if ["delete ", "unset(", "del ", ".pop(", "omit(", ".except(", "remove(", ".without(", "exclude"]
        .iter()
        .any(|k| l.contains(k))
    {
        return true;
    }
    let rest = line[after_ident.min(line.len())..].trim_start_matches(['\'', '"', ']', ' ']);
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')).map(str::trim_start);
    rest.is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        ["null", "none", "nil", "undefined", "''", "\"\"", "0;", "false"].iter().any(|v| r.starts_with(v))
    })
}

fn assigned_on_line(line: &str, after: usize) -> bool {
    let rest = line[after.min(line.len())..].trim_start_matches(['\'', '"', ']', ' ', '\t']);
    rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>")
}

fn in_create_table(view: &FileView<'_>, n: usize) -> bool {
    for i in (n.saturating_sub(40)..=n).rev() {
        let l = view.line(i).to_ascii_lowercase();
        if l.contains("create table") {
            return true;
        }
        if i != n && (l.trim_end().ends_with(");") || l.trim_start().starts_with(')')) {
            return false;
        }
    }
    false
}

fn is_store_call(callee: &str) -> bool {
    let mut parts: Vec<&str> = callee.split(['.', ':', '>', '-', '?', '\\']).filter(|s| !s.is_empty()).collect();
    let Some(method) = parts.pop() else {
        return false;
    };
    if !STORE_CALL.is_match(method) {
        return false;
    }
    if parts.is_empty() {
        // Bare functions: file_put_contents(…), fwrite(…); `new`/`set` alone are too vague.
        return matches!(
            method.to_ascii_lowercase().as_str(),
            "file_put_contents" | "fwrite" | "fputs" | "writefilesync" | "appendfilesync" | "setcookie"
        );
    }
    let recv_words: Vec<String> = parts.iter().flat_map(|p| words(p)).collect();
    !recv_words.iter().any(|w| OUTBOUND.contains(&w.as_str()))
}

fn is_log_like(callee: &str) -> bool {
    words(callee).iter().any(|w| matches!(w.as_str(), "log" | "logger" | "logging"))
}

/// Whether the CVV word at `pos` names a value: code (an identifier, an interpolation), or the key
/// of a subscript or lookup (`card['cvv']`, `params[:cvv]`, `card.get("cvv")`), not words of a
/// message (`logger.warning("cvv missing for %s", id)`) or a bare string (`log.info("field", "cvv")`).
fn is_value(view: &FileView<'_>, pos: usize, line_start: usize) -> bool {
    let line = &view.text[line_start..view.line_range(view.line_of(pos)).end];
    let at = pos - line_start;
    if code_mask(line, view.ctx.lang).get(at).copied().unwrap_or(true) {
        return true;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = line[..at].trim_end_matches(word);
    let after = line[at..].trim_start_matches(word);
    let Some(quoteless) = before.strip_suffix(['\'', '"', ':']) else {
        return false;
    };
    let q = quoteless.trim_end();
    // A key of a logged map (`{"cvv": code}`, `'cvv' => $code`) labels a value too.
    let map_key = after.strip_prefix(['\'', '"']).is_some_and(|a| a.trim_start().starts_with([':', '=']));
    map_key || q.ends_with('[') || q.ends_with("get(") || q.ends_with("fetch(") || q.ends_with("dig(")
}

/// Whether 0-based line `n` lies in a form, serializer, schema or request class (`class
/// CheckoutForm(forms.Form)`, `class PaymentIn(BaseModel)`): their fields carry the CVV to the
/// payment API; they are not database columns.
fn in_form_class(view: &FileView<'_>, n: usize) -> bool {
    (n.saturating_sub(80)..=n).rev().map(|i| view.line(i).trim_start()).find(|l| l.starts_with("class ")).is_some_and(
        |l| {
            ["Form", "Serializer", "Schema", "BaseModel", "Request", "Input", "Dto", "DTO", "Params"]
                .iter()
                .any(|k| l.contains(k))
        },
    )
}

/// `card` of `card.cvv` / `$card->cvv` / `card.setCvv`.
fn object_of(chain: &str) -> Option<&str> {
    let cut = chain.rfind(['.', '>'])?;
    let obj = chain[..cut].trim_end_matches('-');
    let obj = obj.rsplit(['.', '>']).next().unwrap_or(obj);
    let obj = obj.trim_start_matches(['$', '@']);
    (!obj.is_empty() && !matches!(obj, "this" | "self" | "req" | "request" | "params" | "body" | "input" | "form"))
        .then_some(obj)
}

/// `payment = CardPayment(…, cvc=card["cvc"])` (a model constructed with the CVV) followed by
/// saving `payment` (`db.session.add(payment)`, `payment.save()`).
fn constructed_and_saved(view: &FileView<'_>, callee: Range<usize>) -> bool {
    let name = &view.text[callee.clone()];
    let class = name.rsplit(['.', ':', '\\']).next().unwrap_or(name).trim_start_matches("new ");
    if !class.starts_with(|c: char| c.is_ascii_uppercase()) || !class.bytes().any(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let n = view.line_of(callee.start);
    let lr = view.line_range(n);
    let before = view.text[lr.start..callee.start].trim_end().trim_end_matches("new").trim_end();
    let Some(lhs) = before.strip_suffix('=').filter(|l| !l.ends_with(['=', '!', '<', '>'])) else {
        return false;
    };
    let var = lhs.trim_end().rsplit([' ', '\t', '(']).next().unwrap_or_default().trim_start_matches(['$', '@']);
    !var.is_empty() && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && saved_after(view, n, var)
}

/// Whether the object is saved within the next 8 lines (`card.save()`, `$card->save()`,
/// `repo.save(card)`, `em.persist(card)`, `session.add(card)`, `card.save!`).
fn saved_after(view: &FileView<'_>, n: usize, obj: &str) -> bool {
    let total = view.line_count();
    for i in n + 1..(n + 9).min(total) {
        let l = view.line(i);
        let mask = code_mask(l, view.ctx.lang);
        let lower = l.to_ascii_lowercase();
        let direct = [".save", "->save", ".persist", ".commit", ".store("].iter().any(|s| {
            lower
                .find(&format!("{}{s}", obj.to_ascii_lowercase()))
                .is_some_and(|p| mask.get(p).copied().unwrap_or(true))
        });
        let via = ["save(", "persist(", "add(", "insert(", "store(", "merge("].iter().any(|s| lower.contains(s))
            && l.contains(obj);
        if direct || via {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(path: &str, text: &str) -> usize {
        let v = FileView::new(path, text);
        let re = Regex::new(r"(?i)cvv|cvc|security_?code").unwrap();
        let hits: Vec<Range<usize>> = re.find_iter(text).map(|m| m.range()).collect();
        detect(&v, &hits).len()
    }

    #[test]
    fn stored() {
        assert_eq!(count("db/schema.sql", "CREATE TABLE cards (\n  id serial,\n  cvv varchar(4)\n);"), 1);
        assert_eq!(count("db/migrate/1_cards.rb", "t.string :cvv"), 1);
        assert_eq!(count("app/models.py", "    cvv = models.CharField(max_length=4)"), 1);
        assert_eq!(count("src/card.entity.ts", "  @Column()\n  cvv: string;"), 1);
        assert_eq!(count("src/store.js", "await Card.create({ number: maskPan(pan), cvv: req.body.cvv });"), 1);
        assert_eq!(count("src/store.js", "await redis.set(`cvv:${id}`, cvv);"), 1);
        assert_eq!(count("src/a.php", "$_SESSION['cvv'] = $request->input('cvv');"), 1);
        assert_eq!(count("src/a.py", "cursor.execute(\"INSERT INTO cards (pan, cvv) VALUES (%s, %s)\", (p, c))"), 1);
        assert_eq!(count("src/a.rb", "card.cvv = params[:cvv]\ncard.save!"), 1);
        assert_eq!(count("src/a.js", "logger.info('card', { cvv: card.cvv });"), 1);
    }

    #[test]
    fn not_stored() {
        assert_eq!(count("src/pay.js", "await axios.post(url, { card: { number, cvv: input.cvv } });"), 0);
        assert_eq!(count("src/pay.js", "if (!/^[0-9]{3,4}$/.test(cvv)) throw new Error('bad cvv');"), 0);
        assert_eq!(count("src/pay.ts", "interface CardInput { cvv: string }"), 0);
        assert_eq!(count("src/pay.js", "delete card.cvv;"), 0);
        assert_eq!(count("src/pay.js", "// never store the cvv"), 0);
        assert_eq!(count("src/pay.js", "const cvcCheck = charge.cvc_check;"), 0);
        assert_eq!(count("src/pay.py", "exirom.payments.create(card={'cvv': form.cvv})"), 0);
    }
}
