//! The `${{ … }}` expression language of GitHub Actions: a lexer, a
//! precedence-climbing parser and an evaluator over `serde_json::Value`s.
//!
//! Semantics follow GitHub's documentation ("Evaluate expressions in
//! workflows and actions"): literals (`null`, booleans, JSON numbers plus
//! hexadecimal, `'…'` strings with `''` for a quote), property access
//! (`a.b`, `a['b']`, case-insensitive keys), the object filter `a.*.b`,
//! `!`, `<`, `<=`, `>`, `>=`, `==`, `!=`, `&&`, `||` (which return an operand,
//! not a boolean), loose equality (mismatched types are coerced to numbers:
//! `null` 0, booleans 0/1, strings parsed after trimming — `''` is 0, junk
//! NaN — arrays and objects NaN), case-insensitive string comparison, and the
//! functions `contains`, `startsWith`, `endsWith`, `format`, `join`,
//! `toJSON`, `fromJSON`, `hashFiles` and the status functions `success()`,
//! `failure()`, `cancelled()` and `always()`.
//!
//! Limits: arrays and objects are values here, not references, so `==`
//! between two of them is always false (GitHub compares identity).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// What an expression can see besides its contexts.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The named contexts (`github`, `env`, `steps`, …): the keys of this object.
    pub contexts: Map<String, Value>,
    /// `success`, `failure` or `cancelled`: what the status functions test.
    pub status: String,
    /// The directory `hashFiles()` searches (`GITHUB_WORKSPACE`), if any.
    pub workspace: Option<PathBuf>,
}

impl Scope {
    /// A scope with the given contexts and a successful job so far.
    pub fn new(contexts: Map<String, Value>) -> Self {
        Self {
            contexts,
            status: "success".to_owned(),
            workspace: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

#[allow(clippy::too_many_lines)]
fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated string literal in `{src}`")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
            continue;
        }
        if c == '"' {
            return Err(format!(
                "double-quoted strings are not allowed in expressions (`{src}`): use single quotes"
            ));
        }
        let negative_literal = c == '-'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && !matches!(
                out.last(),
                Some(Tok::Num(_) | Tok::Str(_) | Tok::Ident(_) | Tok::Op(")" | "]"))
            );
        if c.is_ascii_digit() || negative_literal {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-'))
            {
                // An exponent sign belongs to the number; any other sign ends it.
                if matches!(chars[i], '+' | '-') && !matches!(chars[i - 1], 'e' | 'E') {
                    break;
                }
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = parse_number(&text)
                .filter(|n| !n.is_nan())
                .ok_or_else(|| format!("bad number literal `{text}` in `{src}`"))?;
            out.push(Tok::Num(n));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-'))
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let op = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            "&&" => Some("&&"),
            "||" => Some("||"),
            _ => None,
        };
        if let Some(op) = op {
            out.push(Tok::Op(op));
            i += 2;
            continue;
        }
        let op = match c {
            '(' => "(",
            ')' => ")",
            '[' => "[",
            ']' => "]",
            '.' => ".",
            ',' => ",",
            '!' => "!",
            '<' => "<",
            '>' => ">",
            '*' => "*",
            _ => return Err(format!("unexpected character `{c}` in expression `{src}`")),
        };
        out.push(Tok::Op(op));
        i += 1;
    }
    Ok(out)
}

/// A parsed expression.
#[derive(Clone, Debug)]
enum Ast {
    Lit(Value),
    Context(String),
    Prop(Box<Ast>, String),
    Index(Box<Ast>, Box<Ast>),
    Filter(Box<Ast>),
    Not(Box<Ast>),
    Bin(&'static str, Box<Ast>, Box<Ast>),
    Call(String, Vec<Ast>),
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!(
                "expected `{op}` at token {} in `{}`",
                self.pos + 1,
                self.src
            ))
        }
    }

    fn binary(&mut self, level: usize) -> Result<Ast, String> {
        const LEVELS: [&[&str]; 4] = [&["||"], &["&&"], &["==", "!="], &["<", "<=", ">", ">="]];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            if !LEVELS[level].contains(&op) {
                break;
            }
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = Ast::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ast, String> {
        if self.eat("!") {
            return Ok(Ast::Not(Box::new(self.unary()?)));
        }
        let mut node = self.primary()?;
        loop {
            if self.eat(".") {
                match self.toks.get(self.pos) {
                    Some(Tok::Ident(name)) => {
                        node = Ast::Prop(Box::new(node), name.clone());
                        self.pos += 1;
                    }
                    Some(Tok::Op("*")) => {
                        node = Ast::Filter(Box::new(node));
                        self.pos += 1;
                    }
                    _ => {
                        return Err(format!(
                            "expected a property name after `.` in `{}`",
                            self.src
                        ))
                    }
                }
            } else if self.eat("[") {
                if self.eat("*") {
                    node = Ast::Filter(Box::new(node));
                } else {
                    let index = self.binary(0)?;
                    node = Ast::Index(Box::new(node), Box::new(index));
                }
                self.expect("]")?;
            } else {
                break;
            }
        }
        Ok(node)
    }

    fn primary(&mut self) -> Result<Ast, String> {
        let tok = self
            .peek()
            .cloned()
            .ok_or_else(|| format!("unexpected end of expression `{}`", self.src))?;
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Ast::Lit(number(n))),
            Tok::Str(s) => Ok(Ast::Lit(Value::String(s))),
            Tok::Op("(") => {
                let inner = self.binary(0)?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Ident(name) => {
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.binary(0)?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    return Ok(Ast::Call(name.to_ascii_lowercase(), args));
                }
                Ok(match name.as_str() {
                    "true" => Ast::Lit(Value::Bool(true)),
                    "false" => Ast::Lit(Value::Bool(false)),
                    "null" => Ast::Lit(Value::Null),
                    "NaN" => Ast::Lit(nan()),
                    "Infinity" => Ast::Lit(Value::String(INFINITY.to_owned())),
                    _ => Ast::Context(name),
                })
            }
            Tok::Op(op) => Err(format!("unexpected `{op}` in expression `{}`", self.src)),
        }
    }
}

/// JSON cannot hold NaN or infinities; they travel as these marker strings
/// inside the evaluator and never escape into a context.
const NAN: &str = "\u{0}NaN";
const INFINITY: &str = "\u{0}Infinity";
const NEG_INFINITY: &str = "\u{0}-Infinity";

fn nan() -> Value {
    Value::String(NAN.to_owned())
}

fn number(n: f64) -> Value {
    if n.is_nan() {
        nan()
    } else if n.is_infinite() {
        Value::String(if n > 0.0 { INFINITY } else { NEG_INFINITY }.to_owned())
    } else {
        serde_json::Number::from_f64(n).map_or_else(nan, Value::Number)
    }
}

fn special_number(v: &Value) -> Option<f64> {
    match v.as_str()? {
        NAN => Some(f64::NAN),
        INFINITY => Some(f64::INFINITY),
        NEG_INFINITY => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Parses a string the way GitHub coerces one to a number.
fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0.0);
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let radix = |prefix: &str, radix: u32| {
        body.strip_prefix(prefix)
            .and_then(|d| u64::from_str_radix(d, radix).ok())
            .map(|n| sign * n as f64)
    };
    if let Some(n) = radix("0x", 16)
        .or_else(|| radix("0X", 16))
        .or_else(|| radix("0o", 8))
    {
        return Some(n);
    }
    if body == "Infinity" {
        return Some(sign * f64::INFINITY);
    }
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    body.parse::<f64>().ok().map(|n| sign * n)
}

fn is_nan(v: &Value) -> bool {
    v.as_str() == Some(NAN)
}

/// GitHub's truthiness: `false`, `0`, `-0`, `''`, `null` and NaN are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty() && s != NAN,
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn to_number(v: &Value) -> f64 {
    if let Some(n) = special_number(v) {
        return n;
    }
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => parse_number(s).unwrap_or(f64::NAN),
        Value::Array(_) | Value::Object(_) => f64::NAN,
    }
}

fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        // Checked above: integral and well inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let i = n as i64;
        i.to_string()
    } else {
        n.to_string()
    }
}

/// A value as GitHub turns it into text (`null` is empty, objects are JSON).
pub fn to_str(v: &Value) -> String {
    if let Some(n) = special_number(v) {
        return format_number(n);
    }
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => to_json(v),
    }
}

fn to_json(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Null,
    Bool,
    Num,
    Str,
    Arr,
    Obj,
}

fn kind(v: &Value) -> Kind {
    if special_number(v).is_some() {
        return Kind::Num;
    }
    match v {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(_) => Kind::Num,
        Value::String(_) => Kind::Str,
        Value::Array(_) => Kind::Arr,
        Value::Object(_) => Kind::Obj,
    }
}

/// Loose equality (`==`).
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (kind(a), kind(b)) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool, Kind::Bool) => a == b,
        (Kind::Str, Kind::Str) => fold(&to_str(a)) == fold(&to_str(b)),
        (Kind::Arr | Kind::Obj, _) | (_, Kind::Arr | Kind::Obj) => false,
        _ => {
            let (x, y) = (to_number(a), to_number(b));
            x == y
        }
    }
}

fn fold(s: &str) -> String {
    s.to_uppercase()
}

fn compare(op: &str, a: &Value, b: &Value) -> bool {
    let ord = if kind(a) == Kind::Str && kind(b) == Kind::Str {
        Some(fold(&to_str(a)).cmp(&fold(&to_str(b))))
    } else if matches!(kind(a), Kind::Arr | Kind::Obj) || matches!(kind(b), Kind::Arr | Kind::Obj) {
        None
    } else {
        to_number(a).partial_cmp(&to_number(b))
    };
    let Some(ord) = ord else { return false };
    match op {
        "<" => ord.is_lt(),
        "<=" => ord.is_le(),
        ">" => ord.is_gt(),
        _ => ord.is_ge(),
    }
}

fn get_prop(v: &Value, key: &str) -> Value {
    let Value::Object(map) = v else {
        return Value::Null;
    };
    if let Some(found) = map.get(key) {
        return found.clone();
    }
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map_or(Value::Null, |(_, v)| v.clone())
}

fn filter_elements(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Whether the expression calls one of the status functions (if not, an
/// `if:` condition is implicitly `success() && (…)`).
pub fn has_status_function(src: &str) -> Result<bool, String> {
    fn walk(ast: &Ast) -> bool {
        match ast {
            Ast::Call(name, args) => {
                matches!(
                    name.as_str(),
                    "success" | "failure" | "cancelled" | "always"
                ) || args.iter().any(walk)
            }
            Ast::Prop(a, _) | Ast::Filter(a) | Ast::Not(a) => walk(a),
            Ast::Index(a, b) | Ast::Bin(_, a, b) => walk(a) || walk(b),
            Ast::Lit(_) | Ast::Context(_) => false,
        }
    }
    Ok(walk(&parse(src)?))
}

fn parse(src: &str) -> Result<Ast, String> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err("empty expression".to_owned());
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        src,
    };
    let ast = p.binary(0)?;
    if p.pos != toks.len() {
        return Err(format!(
            "unexpected {:?} in expression `{src}`",
            toks[p.pos]
        ));
    }
    Ok(ast)
}

/// Evaluates one expression (the text between `${{` and `}}`).
pub fn evaluate(src: &str, scope: &Scope) -> Result<Value, String> {
    let ast = parse(src)?;
    let v = eval(&ast, scope, src)?;
    // NaN and the infinities leave the evaluator as what GitHub prints.
    Ok(special_number(&v).map_or(v, |n| Value::String(format_number(n))))
}

fn eval(ast: &Ast, scope: &Scope, src: &str) -> Result<Value, String> {
    eval_filtered(ast, scope, src).map(|(v, _)| v)
}

fn index_value(b: &Value, i: &Value) -> Value {
    match (b, kind(i)) {
        (Value::Array(items), Kind::Num) => {
            let n = to_number(i);
            if n >= 0.0 && n.fract() == 0.0 {
                // Non-negative and integral: an in-range index or none.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let idx = n as usize;
                items.get(idx).cloned().unwrap_or(Value::Null)
            } else {
                Value::Null
            }
        }
        (Value::Object(_), Kind::Str) => get_prop(b, &to_str(i)),
        _ => Value::Null,
    }
}

/// Evaluates `ast`; the flag says the value is the result of an object
/// filter (`.*`), whose later property accesses apply to each element.
fn eval_filtered(ast: &Ast, scope: &Scope, src: &str) -> Result<(Value, bool), String> {
    let map_each = |v: &Value, f: &dyn Fn(&Value) -> Value| {
        Value::Array(
            v.as_array()
                .map(|items| items.iter().map(f).filter(|x| !x.is_null()).collect())
                .unwrap_or_default(),
        )
    };
    Ok(match ast {
        Ast::Lit(v) => (v.clone(), false),
        Ast::Context(name) => (
            scope
                .contexts
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("Unrecognized named-value: '{name}' in `{src}`"))?,
            false,
        ),
        Ast::Prop(base, key) => {
            let (v, filtered) = eval_filtered(base, scope, src)?;
            if filtered {
                (map_each(&v, &|item| get_prop(item, key)), true)
            } else {
                (get_prop(&v, key), false)
            }
        }
        Ast::Filter(base) => {
            let (v, filtered) = eval_filtered(base, scope, src)?;
            let items = if filtered {
                v.as_array()
                    .map(|items| items.iter().flat_map(filter_elements).collect())
                    .unwrap_or_default()
            } else {
                filter_elements(&v)
            };
            (Value::Array(items), true)
        }
        Ast::Index(base, index) => {
            let (b, filtered) = eval_filtered(base, scope, src)?;
            let i = eval(index, scope, src)?;
            if filtered {
                (map_each(&b, &|item| index_value(item, &i)), true)
            } else {
                (index_value(&b, &i), false)
            }
        }
        Ast::Not(inner) => (Value::Bool(!truthy(&eval(inner, scope, src)?)), false),
        Ast::Bin(op, a, b) => {
            let left = eval(a, scope, src)?;
            let v = match *op {
                "&&" => {
                    if truthy(&left) {
                        eval(b, scope, src)?
                    } else {
                        left
                    }
                }
                "||" => {
                    if truthy(&left) {
                        left
                    } else {
                        eval(b, scope, src)?
                    }
                }
                _ => {
                    let right = eval(b, scope, src)?;
                    let either_nan = is_nan(&left) || is_nan(&right);
                    Value::Bool(match *op {
                        "==" => !either_nan && loose_eq(&left, &right),
                        "!=" => either_nan || !loose_eq(&left, &right),
                        _ => compare(op, &left, &right),
                    })
                }
            };
            (v, false)
        }
        Ast::Call(name, args) => {
            let vals = args
                .iter()
                .map(|a| eval(a, scope, src))
                .collect::<Result<Vec<_>, _>>()?;
            (call(name, &vals, scope, src)?, false)
        }
    })
}

fn arity(name: &str, vals: &[Value], min: usize, max: usize, src: &str) -> Result<(), String> {
    if vals.len() < min || vals.len() > max {
        return Err(format!(
            "{name}() takes {min}..={max} arguments, got {} in `{src}`",
            vals.len()
        ));
    }
    Ok(())
}

fn call(name: &str, vals: &[Value], scope: &Scope, src: &str) -> Result<Value, String> {
    let s = |i: usize| fold(&to_str(&vals[i]));
    Ok(match name {
        "success" | "failure" | "cancelled" | "always" => {
            arity(name, vals, 0, 0, src)?;
            Value::Bool(match name {
                "always" => true,
                "success" => scope.status == "success",
                "failure" => scope.status == "failure",
                _ => scope.status == "cancelled",
            })
        }
        "contains" => {
            arity(name, vals, 2, 2, src)?;
            match &vals[0] {
                Value::Array(items) => Value::Bool(items.iter().any(|i| loose_eq(i, &vals[1]))),
                _ => Value::Bool(s(0).contains(&s(1))),
            }
        }
        "startswith" => {
            arity(name, vals, 2, 2, src)?;
            Value::Bool(s(0).starts_with(&s(1)))
        }
        "endswith" => {
            arity(name, vals, 2, 2, src)?;
            Value::Bool(s(0).ends_with(&s(1)))
        }
        "format" => {
            arity(name, vals, 1, usize::MAX, src)?;
            Value::String(format_fn(&to_str(&vals[0]), &vals[1..], src)?)
        }
        "join" => {
            arity(name, vals, 1, 2, src)?;
            let sep = vals.get(1).map_or_else(|| ",".to_owned(), to_str);
            match &vals[0] {
                Value::Array(items) => {
                    Value::String(items.iter().map(to_str).collect::<Vec<_>>().join(&sep))
                }
                other => Value::String(to_str(other)),
            }
        }
        "tojson" => {
            arity(name, vals, 1, 1, src)?;
            Value::String(to_json(&vals[0]))
        }
        "fromjson" => {
            arity(name, vals, 1, 1, src)?;
            let text = to_str(&vals[0]);
            serde_json::from_str(&text)
                .map_err(|e| format!("fromJSON: `{text}` is not JSON ({e}) in `{src}`"))?
        }
        "hashfiles" => {
            arity(name, vals, 1, usize::MAX, src)?;
            let root = scope
                .workspace
                .as_deref()
                .ok_or_else(|| format!("hashFiles() is not available here (`{src}`)"))?;
            let patterns: Vec<String> = vals.iter().map(to_str).collect();
            Value::String(hash_files(root, &patterns)?)
        }
        _ => return Err(format!("Unrecognized function: '{name}' in `{src}`")),
    })
}

fn format_fn(template: &str, args: &[Value], src: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut digits = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(d) if d.is_ascii_digit() => digits.push(d),
                        _ => return Err(format!("format(): bad placeholder in `{src}`")),
                    }
                }
                let i: usize = digits
                    .parse()
                    .map_err(|_| format!("format(): bad placeholder in `{src}`"))?;
                let arg = args
                    .get(i)
                    .ok_or_else(|| format!("format(): no argument {{{i}}} in `{src}`"))?;
                out.push_str(&to_str(arg));
            }
            '}' => return Err(format!("format(): unbalanced `}}` in `{src}`")),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// `hashFiles()`: the SHA-256 of the concatenated SHA-256 digests of every
/// regular file under `root` matching the patterns (`!pattern` excludes),
/// in path order; `''` when nothing matches.
pub fn hash_files(root: &Path, patterns: &[String]) -> Result<String, String> {
    let mut include = globset::GlobSetBuilder::new();
    let mut exclude = globset::GlobSetBuilder::new();
    for pattern in patterns
        .iter()
        .flat_map(|p| p.lines())
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (set, pat) = match pattern.strip_prefix('!') {
            Some(rest) => (&mut exclude, rest),
            None => (&mut include, pattern),
        };
        let glob = globset::GlobBuilder::new(pat.trim_start_matches("./"))
            .literal_separator(true)
            .build()
            .map_err(|e| format!("hashFiles: bad pattern `{pat}`: {e}"))?;
        set.add(glob);
    }
    let (include, exclude) = (
        include.build().map_err(|e| e.to_string())?,
        exclude.build().map_err(|e| e.to_string())?,
    );
    let mut files = Vec::new();
    collect_files(root, root, &mut files);
    files.sort();
    let mut outer = Sha256::new();
    let mut any = false;
    for rel in files {
        if include.is_match(&rel) && !exclude.is_match(&rel) {
            let bytes =
                std::fs::read(root.join(&rel)).map_err(|e| format!("hashFiles: {rel}: {e}"))?;
            outer.update(Sha256::digest(&bytes));
            any = true;
        }
    }
    if !any {
        return Ok(String::new());
    }
    let mut hex = String::new();
    for b in outer.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            collect_files(root, &path, out);
        } else if meta.is_file() {
            if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
}

/// Splits a template into literal text and `${{ … }}` expressions; the end
/// of an expression is the first `}}` outside a string literal.
pub fn split_template(text: &str) -> Result<Vec<(bool, String)>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            parts.push((false, rest[..start].to_owned()));
        }
        let body = &rest[start + 3..];
        let mut in_str = false;
        let mut end = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\'' => in_str = !in_str,
                b'}' if !in_str && bytes.get(i + 1) == Some(&b'}') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let end = end.ok_or_else(|| format!("unterminated `${{{{` in `{text}`"))?;
        parts.push((true, body[..end].trim().to_owned()));
        rest = &body[end + 2..];
    }
    if !rest.is_empty() {
        parts.push((false, rest.to_owned()));
    }
    Ok(parts)
}

/// Evaluates a template: a lone `${{ … }}` keeps its type, anything else is text.
pub fn evaluate_template(text: &str, scope: &Scope) -> Result<Value, String> {
    let parts = split_template(text)?;
    if let [(true, expr)] = parts.as_slice() {
        return evaluate(expr, scope);
    }
    let mut out = String::new();
    for (is_expr, part) in parts {
        if is_expr {
            out.push_str(&to_str(&evaluate(&part, scope)?));
        } else {
            out.push_str(&part);
        }
    }
    Ok(Value::String(out))
}

/// Evaluates a template to text (`run:`, `with:`, `env:` values).
pub fn interpolate(text: &str, scope: &Scope) -> Result<String, String> {
    evaluate_template(text, scope).map(|v| to_str(&v))
}

/// Evaluates an `if:` condition the way the runner does: `${{ }}` is
/// optional, and a condition without a status function means
/// `success() && (condition)`.
pub fn condition(text: &str, scope: &Scope) -> Result<bool, String> {
    let trimmed = text.trim();
    let parts = split_template(trimmed)?;
    let expr = match parts.as_slice() {
        [(true, expr)] => expr.clone(),
        // Text around or between `${{ }}`: a string, truthy unless empty.
        parts if parts.iter().any(|(e, _)| *e) => {
            return Ok(!interpolate(trimmed, scope)?.is_empty() && scope.status == "success");
        }
        _ => trimmed.to_owned(),
    };
    let expr = if has_status_function(&expr)? {
        expr
    } else {
        format!("success() && ({expr})")
    };
    Ok(truthy(&evaluate(&expr, scope)?))
}
