//! A tiny HTML form reader for the 3-D Secure challenge and APM redirect pages: just enough to find
//! each `<form>`'s action, method and controls (inputs, buttons, selects) with the values the page
//! pre-fills. It tolerates any attribute order, single, double or no quotes, upper-case tags,
//! comments and scripts; it never fails, it only finds fewer forms.

/// A control inside a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// What it is.
    pub kind: ControlKind,
    /// `name` attribute (controls without one are not submitted).
    pub name: Option<String>,
    /// `value` attribute (for buttons: the value sent when it is the submitter).
    pub value: String,
    /// Words that describe it (button text, value, id, class, aria-label), for choosing.
    pub label: String,
    /// `checked` (radio, checkbox).
    pub checked: bool,
}

/// The kinds of control golive distinguishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlKind {
    /// A value that is always submitted (hidden, text, password, textarea, …).
    Field,
    /// A submit button or `<input type=submit|image>`.
    Submit,
    /// A radio button.
    Radio,
    /// A checkbox.
    Checkbox,
    /// A `<select>` with its options: (value, label, selected).
    Select(Vec<(String, String, bool)>),
}

/// A form on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// `action`, as written (may be relative or empty).
    pub action: Option<String>,
    /// `GET` or `POST` (upper case; `GET` when absent, as in browsers).
    pub method: String,
    /// Controls in document order.
    pub controls: Vec<Control>,
    /// The visible text inside the form.
    pub text: String,
    /// `id` and `name` of the form.
    pub label: String,
}

/// Every form of the page, in document order.
pub fn forms(html: &str) -> Vec<Form> {
    let mut out: Vec<Form> = Vec::new();
    let mut in_form = false;
    let mut open_button: Option<usize> = None;
    let mut open_select: Option<usize> = None;
    let mut open_option: Option<(String, bool, String, bool)> = None; // value, selected, text, has value attr
    let mut open_textarea: Option<usize> = None;
    let mut i = 0;
    let b = html.as_bytes();
    while i < b.len() {
        if b[i] != b'<' {
            let end = html[i..].find('<').map_or(html.len(), |p| i + p);
            let text = decode_entities(&html[i..end]);
            if in_form && let Some(f) = out.last_mut() {
                push_text(&mut f.text, &text);
                if let Some(bi) = open_button {
                    push_text(&mut f.controls[bi].label, &text);
                }
                if let Some(ti) = open_textarea {
                    f.controls[ti].value.push_str(&text);
                }
            }
            if let Some(o) = open_option.as_mut() {
                push_text(&mut o.2, &text);
            }
            i = end;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |p| i + p + 3);
            continue;
        }
        let Some((tag, end)) = parse_tag(html, i) else {
            i += 1;
            continue;
        };
        i = end;
        let name = tag.name.as_str();
        if !tag.closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = find_ci(html, i, &close).unwrap_or(html.len());
            continue;
        }
        match (name, tag.closing) {
            ("form", false) => {
                in_form = true;
                out.push(Form {
                    action: tag.attr("action").map(str::to_string),
                    method: tag.attr("method").unwrap_or("get").trim().to_ascii_uppercase(),
                    label: [tag.attr("id"), tag.attr("name"), tag.attr("class")]
                        .iter()
                        .flatten()
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" "),
                    ..Form::default()
                });
            }
            ("form", true) => {
                in_form = false;
                open_button = None;
                open_select = None;
                open_textarea = None;
            }
            _ if !in_form => {}
            ("input", false) => {
                let ty = tag.attr("type").unwrap_or("text").to_ascii_lowercase();
                let kind = match ty.as_str() {
                    "submit" | "image" => ControlKind::Submit,
                    "radio" => ControlKind::Radio,
                    "checkbox" => ControlKind::Checkbox,
                    "button" | "reset" | "file" => continue,
                    _ => ControlKind::Field,
                };
                let value = tag.attr("value").map_or_else(
                    || {
                        if kind == ControlKind::Checkbox || kind == ControlKind::Radio {
                            "on".into()
                        } else {
                            String::new()
                        }
                    },
                    str::to_string,
                );
                let label = describe(&tag, &value);
                if let Some(f) = out.last_mut() {
                    f.controls.push(Control {
                        kind,
                        name: tag.attr("name").map(str::to_string),
                        value,
                        label,
                        checked: tag.has("checked"),
                    });
                }
            }
            ("button", false) => {
                let ty = tag.attr("type").unwrap_or("submit").to_ascii_lowercase();
                if ty != "submit" {
                    continue;
                }
                let value = tag.attr("value").unwrap_or_default().to_string();
                if let Some(f) = out.last_mut() {
                    f.controls.push(Control {
                        kind: ControlKind::Submit,
                        name: tag.attr("name").map(str::to_string),
                        label: describe(&tag, &value),
                        value,
                        checked: false,
                    });
                    open_button = Some(f.controls.len() - 1);
                }
            }
            ("button", true) => open_button = None,
            ("textarea", false) => {
                if let Some(f) = out.last_mut() {
                    f.controls.push(Control {
                        kind: ControlKind::Field,
                        name: tag.attr("name").map(str::to_string),
                        value: String::new(),
                        label: describe(&tag, ""),
                        checked: false,
                    });
                    open_textarea = Some(f.controls.len() - 1);
                }
            }
            ("textarea", true) => open_textarea = None,
            ("select", false) => {
                if let Some(f) = out.last_mut() {
                    f.controls.push(Control {
                        kind: ControlKind::Select(Vec::new()),
                        name: tag.attr("name").map(str::to_string),
                        value: String::new(),
                        label: describe(&tag, ""),
                        checked: false,
                    });
                    open_select = Some(f.controls.len() - 1);
                }
            }
            ("option", false) => {
                close_option(&mut out, open_select, open_option.take());
                open_option = Some((
                    tag.attr("value").unwrap_or_default().to_string(),
                    tag.has("selected"),
                    String::new(),
                    tag.attr("value").is_some(),
                ));
            }
            ("option", true) => close_option(&mut out, open_select, open_option.take()),
            ("select", true) => {
                close_option(&mut out, open_select, open_option.take());
                open_select = None;
            }
            _ => {}
        }
    }
    out
}

fn close_option(out: &mut [Form], select: Option<usize>, option: Option<(String, bool, String, bool)>) {
    let (Some(si), Some((value, selected, text, has_value))) = (select, option) else { return };
    let Some(f) = out.last_mut() else { return };
    if let Some(Control { kind: ControlKind::Select(options), .. }) = f.controls.get_mut(si) {
        let value = if has_value { value } else { text.trim().to_string() };
        options.push((value, text.trim().to_string(), selected));
    }
}

fn push_text(into: &mut String, text: &str) {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !t.is_empty() {
        if !into.is_empty() {
            into.push(' ');
        }
        into.push_str(&t);
    }
}

fn describe(tag: &Tag, value: &str) -> String {
    let mut parts: Vec<&str> = vec![value];
    for a in ["name", "id", "class", "aria-label", "title", "alt", "formaction"] {
        if let Some(v) = tag.attr(a) {
            parts.push(v);
        }
    }
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Every `<a href>` of the page with its text (and `id`/`class`), in document order.
pub fn links(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    while i < html.len() {
        let Some(p) = html[i..].find('<') else {
            if let Some(o) = open {
                push_text(&mut out[o].1, &decode_entities(&html[i..]));
            }
            break;
        };
        let at = i + p;
        if let Some(o) = open {
            push_text(&mut out[o].1, &decode_entities(&html[i..at]));
        }
        match parse_tag(html, at) {
            Some((tag, end)) => {
                if tag.name == "a" {
                    if tag.closing {
                        open = None;
                    } else if let Some(href) = tag.attr("href").filter(|h| !h.trim().is_empty() && !h.starts_with('#'))
                    {
                        let label = [tag.attr("id"), tag.attr("class"), tag.attr("title")]
                            .iter()
                            .flatten()
                            .copied()
                            .collect::<Vec<_>>()
                            .join(" ");
                        out.push((href.trim().to_string(), label));
                        open = Some(out.len() - 1);
                    }
                } else if !tag.closing && (tag.name == "script" || tag.name == "style") {
                    i = find_ci(html, end, &format!("</{}", tag.name)).unwrap_or(html.len());
                    continue;
                }
                i = end;
            }
            None => i = at + 1,
        }
    }
    out
}

/// `<meta http-equiv="refresh" content="0; url=…">` target, if the page has one.
pub fn meta_refresh(html: &str) -> Option<String> {
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        let at = i + p;
        match parse_tag(html, at) {
            Some((tag, end)) => {
                if tag.name == "meta"
                    && !tag.closing
                    && tag.attr("http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
                    && let Some(content) = tag.attr("content")
                {
                    let lower = content.to_ascii_lowercase();
                    let start = lower.find("url=")? + 4;
                    let url = content[start..].trim().trim_matches(['\'', '"']);
                    return (!url.is_empty()).then(|| url.to_string());
                }
                i = end;
            }
            None => i = at + 1,
        }
    }
    None
}

struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == name)
    }
}

/// Parses the tag starting at `start` (a `<`); returns it and the index after its `>`.
fn parse_tag(html: &str, start: usize) -> Option<(Tag, usize)> {
    let b = html.as_bytes();
    let mut i = start + 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    if i == name_start {
        return None;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => return Some((Tag { name, closing, attrs }, i + 1)),
            Some(_) => {}
        }
        let k_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = html[k_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            if key.is_empty() {
                i += 1;
            } else {
                attrs.push((key, None));
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = if let Some(&q @ (b'"' | b'\'')) = b.get(i) {
            let v_start = i + 1;
            let v_end = html[v_start..].find(char::from(q)).map_or(html.len(), |p| v_start + p);
            i = (v_end + 1).min(html.len());
            &html[v_start..v_end]
        } else {
            let v_start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                i += 1;
            }
            &html[v_start..i]
        };
        attrs.push((key, Some(decode_entities(value))));
    }
}

fn find_ci(html: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = html.get(from..)?.to_ascii_lowercase();
    hay.find(needle).map(|p| from + p)
}

/// Decodes the character references a form is likely to contain.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(semi) = rest.find(';').filter(|&p| p <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => {
                u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32)
            }
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_challenge_form_whatever_the_quoting() {
        let html = r#"<!doctype html><html><body>
          <!-- <form action="/fake"> -->
          <script>var s = "<form action='/nope'>";</script>
          <FORM METHOD=post action='/3ds/challenge/tx%201?x=1&amp;y=2' id=challenge>
            <p>Enter the code &quot;1234&quot;</p>
            <input value="abc" type="hidden" name="session">
            <input name=otp value=1234>
            <input type="checkbox" name="remember" checked>
            <select name="outcome"><option value="fail">Fail</option><option selected>Pass</option></select>
            <button type="submit" name="result" value="pass">Complete authentication</button>
            <button name="result" value="fail" class='danger'>Fail authentication</button>
            <button type="button">Help</button>
          </FORM></body></html>"#;
        let f = forms(html);
        assert_eq!(f.len(), 1);
        let form = &f[0];
        assert_eq!(form.method, "POST");
        assert_eq!(form.action.as_deref(), Some("/3ds/challenge/tx%201?x=1&y=2"));
        assert!(form.text.contains("Enter the code \"1234\""));
        let names: Vec<_> = form.controls.iter().map(|c| c.name.clone().unwrap_or_default()).collect();
        assert_eq!(names, ["session", "otp", "remember", "outcome", "result", "result"]);
        assert_eq!(form.controls[0].value, "abc");
        assert_eq!(form.controls[1].value, "1234");
        assert!(form.controls[2].checked);
        assert_eq!(
            form.controls[3].kind,
            ControlKind::Select(vec![("fail".into(), "Fail".into(), false), ("Pass".into(), "Pass".into(), true)])
        );
        assert!(form.controls[4].label.contains("Complete authentication"));
        assert!(form.controls[5].label.contains("danger"));
    }

    #[test]
    fn two_forms_and_defaults() {
        let html = "<form action=/pass><input type=submit value=Pass></form><form action=/fail method=POST><input type=submit value=Fail></form>";
        let f = forms(html);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].method, "GET");
        assert_eq!(f[1].action.as_deref(), Some("/fail"));
    }

    #[test]
    fn meta_refresh_and_entities() {
        assert_eq!(
            meta_refresh(r#"<meta content="0; URL='https://x.example/a?b=1'" http-equiv="Refresh">"#).as_deref(),
            Some("https://x.example/a?b=1")
        );
        assert_eq!(meta_refresh("<p>nothing</p>"), None);
        assert_eq!(decode_entities("a&amp;b&#39;c&#x41;&unknown;&"), "a&b'cA&unknown;&");
    }

    #[test]
    fn reads_links() {
        let l = links(
            r##"<a href="/3ds/fail?t=1" class=btn>Fail</a> <A HREF='/3ds/pass?t=1&amp;x=2'><b>Pass</b> it</A><a href="#top">top</a>"##,
        );
        assert_eq!(
            l,
            [
                ("/3ds/fail?t=1".to_string(), "btn Fail".to_string()),
                ("/3ds/pass?t=1&x=2".to_string(), "Pass it".to_string())
            ]
        );
    }

    #[test]
    fn garbage_never_panics() {
        for s in ["<", "<form", "<form action='", "<<<>>>", "<form><input name=\"é\u{1F600}\" value=ü>", "&#99999999;"]
        {
            let _ = forms(s);
            let _ = links(s);
            let _ = meta_refresh(s);
            let _ = decode_entities(s);
        }
    }
}
