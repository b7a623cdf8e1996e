//! `-l/--label` in kubectl's selector syntax: `app=web`, `app==web`, `tier!=db`,
//! `env in (prod,staging)`, `env notin (dev)`, `canary` (the label exists), `!canary` (it does
//! not); terms separated by commas, every term must hold. Keys and values are checked as
//! Kubernetes label keys and values.

/// One term of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelTerm {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

fn key(k: &str, term: &str) -> Result<String, String> {
    let k = k.trim();
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
    });
    if name_ok && prefix_ok {
        Ok(k.to_string())
    } else {
        Err(format!("{term:?}: {k:?} is not a label key (e.g. app, app.kubernetes.io/name)"))
    }
}

fn value(v: &str, term: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = v.is_empty()
        || (v.len() <= 63
            && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()));
    if ok { Ok(v.to_string()) } else { Err(format!("{term:?}: {v:?} is not a label value")) }
}

/// Splits at commas outside parentheses.
fn terms(s: &str) -> Result<Vec<&str>, String> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0_i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err(format!("{s:?}: unbalanced parentheses"));
        }
    }
    if depth != 0 {
        return Err(format!("{s:?}: unbalanced parentheses"));
    }
    out.push(&s[start..]);
    Ok(out)
}

fn set(rest: &str, term: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("{term:?}: expected a set in parentheses, e.g. (a,b)"))?;
    let values: Vec<String> = inner.split(',').map(|v| value(v, term)).collect::<Result<_, _>>()?;
    if values.iter().all(String::is_empty) {
        return Err(format!("{term:?}: the set is empty"));
    }
    Ok(values)
}

/// Parses one `-l` argument.
pub fn parse_selector(s: &str) -> Result<Vec<LabelTerm>, String> {
    let mut out = Vec::new();
    for term in terms(s)? {
        let t = term.trim();
        if t.is_empty() {
            return Err(format!("{s:?}: an empty term"));
        }
        let parsed = if let Some(k) = t.strip_prefix('!') {
            LabelTerm::DoesNotExist(key(k, t)?)
        } else if let Some((k, v)) = t.split_once("!=") {
            LabelTerm::NotEquals(key(k, t)?, value(v, t)?)
        } else if let Some((k, v)) = t.split_once("==").or_else(|| t.split_once('=')) {
            LabelTerm::Equals(key(k, t)?, value(v, t)?)
        } else if let Some((k, rest)) = t.split_once(" notin ") {
            LabelTerm::NotIn(key(k, t)?, set(rest, t)?)
        } else if let Some((k, rest)) = t.split_once(" in ") {
            LabelTerm::In(key(k, t)?, set(rest, t)?)
        } else {
            LabelTerm::Exists(key(t, t)?)
        };
        out.push(parsed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_kubectl_selectors() {
        use LabelTerm::*;
        let s = |x| parse_selector(x).unwrap();
        assert_eq!(s("app=web"), [Equals("app".into(), "web".into())]);
        assert_eq!(
            s("app==web, tier!=db"),
            [Equals("app".into(), "web".into()), NotEquals("tier".into(), "db".into())]
        );
        assert_eq!(
            s("env in (prod, staging),env notin (dev),canary,!legacy"),
            [
                In("env".into(), vec!["prod".into(), "staging".into()]),
                NotIn("env".into(), vec!["dev".into()]),
                Exists("canary".into()),
                DoesNotExist("legacy".into()),
            ]
        );
        assert_eq!(s("app.kubernetes.io/name=api"), [Equals("app.kubernetes.io/name".into(), "api".into())]);
        for bad in ["", "a=b,", "env in prod", "env in (a", "env in ()", "bad key=x", "a=b c", "-a=b", "!"] {
            assert!(parse_selector(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
