//! The small expression language of query files: a query's own statuses (`[statuses]`) and its
//! `population.at_start` filter are boolean expressions over the panel's columns, e.g.
//! `paid_hours and benefit_weeks == 0` or `weeks_internship + weeks_wage_subsidy >= 1`.
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, comparisons (`== != < <= > >=`),
//! `+ -`, `* /`, then numbers, `true`/`false`, column names, parentheses and the one function
//! `began_after(status, condition)` (see [`began_after`]). Every column name is
//! checked against the columns the expression may use, so a typo fails when the query is read,
//! and every operand against its type: `and`, `or` and `not` take yes/no conditions, comparisons
//! and arithmetic take numbers, and the whole expression must be a yes/no condition (a number
//! where a condition belongs would otherwise count as always true).
//!
//! An expression nests at most [`MAX_DEPTH`] levels deep, counted while it is read: the parser
//! and every walker over the tree it builds (polars' conversion, optimiser and drop) recurse once
//! per level, so a deeper one would overflow the stack or take minutes.

use polars::prelude::{col, lit, when, DataType, Expr};

/// What an expression (or a column) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Condition,
    Number,
}

/// How many levels an expression may nest: each parenthesis, `not` and operator on the way from
/// the whole expression down to a number or column is a level (`a or b or c` is three: two `or`s
/// above the names). The shipped queries use 2; a query that needs more defines parts of it as
/// statuses of their own. At 64, parsing fits in the 2 MB stack of a spawned thread in a debug
/// build (some 25 KB a level), and the longest chain polars' optimiser is given takes it well
/// under a tenth of a second (its time grows with the square of a chain: 400 terms take seconds,
/// 5,000 do not finish).
pub const MAX_DEPTH: usize = 64;

/// A parsed part of an expression, with its type, where it starts (1-based character) and how
/// many levels its tree nests (a name or number: 1).
struct Typed {
    expr: Expr,
    ty: Type,
    at: usize,
    depth: usize,
}

impl Typed {
    /// The expression, if it is of type `want`; the error names what `context` needed.
    fn expect(self, want: Type, context: &str) -> Result<Expr, String> {
        if self.ty == want {
            return Ok(self.expr);
        }
        let (got, needed) = match want {
            Type::Condition => ("a number", "a yes/no condition"),
            Type::Number => ("a yes/no condition", "a number"),
        };
        Err(format!(
            "{context} needs {needed}, but the part at character {} is {got}",
            self.at
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

/// Parses `text` into a polars expression for a yes/no condition; `known` are the names it may
/// use, of which `numeric` are numbers (the rest are yes/no statuses). The error says what is
/// wrong and where (a 1-based character position).
pub fn parse(text: &str, known: &[String], numeric: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        open: 0,
        known,
        numeric,
    };
    let typed = parser.or()?;
    if let Some((token, position)) = parser.tokens.get(parser.at) {
        return Err(format!(
            "unexpected {} at character {position}",
            describe(token)
        ));
    }
    if typed.ty == Type::Number {
        return Err(
            "the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)"
                .into(),
        );
    }
    Ok(typed.expr)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Number(n) => format!("number {n}"),
        Token::Name(name) => format!("`{name}`"),
        Token::Op(op) => format!("`{op}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let value = number
                .parse()
                .map_err(|_| format!("bad number `{number}` at character {position}"))?;
            tokens.push((Token::Number(value), position));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((Token::Name(chars[start..i].iter().collect()), position));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", ">=", "<="]
                .into_iter()
                .find(|op| *op == two)
                .or_else(|| {
                    ["<", ">", "+", "-", "*", "/"]
                        .into_iter()
                        .find(|op| op.starts_with(c))
                });
            match (op, c) {
                (Some(op), _) => {
                    tokens.push((Token::Op(op), position));
                    i += op.len();
                }
                (None, '(') => {
                    tokens.push((Token::Open, position));
                    i += 1;
                }
                (None, ')') => {
                    tokens.push((Token::Close, position));
                    i += 1;
                }
                (None, ',') => {
                    tokens.push((Token::Comma, position));
                    i += 1;
                }
                (None, '=') => {
                    return Err(format!("`=` at character {position}: compare with `==`"))
                }
                _ => {
                    return Err(format!(
                        "unexpected character `{c}` at character {position}"
                    ))
                }
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<(Token, usize)>,
    at: usize,
    /// Parentheses and `not`s open around the token being read: the parser's own recursion,
    /// refused beyond [`MAX_DEPTH`] before it goes deeper.
    open: usize,
    known: &'a [String],
    numeric: &'a [String],
}

/// The error for an expression nesting deeper than [`MAX_DEPTH`] at character `at`.
fn too_deep(at: usize) -> String {
    format!(
        "the expression nests more than {MAX_DEPTH} levels deep at character {at} (each parenthesis, `not` and operator in a chain is a level): define parts of it as statuses of their own"
    )
}

/// `expr` as a part `depth` levels deep, or the error when that is deeper than [`MAX_DEPTH`].
fn nested(expr: Expr, ty: Type, at: usize, depth: usize) -> Result<Typed, String> {
    if depth > MAX_DEPTH {
        return Err(too_deep(at));
    }
    Ok(Typed {
        expr,
        ty,
        at,
        depth,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Name(name)) if name == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(op)) if ops.contains(op) => {
                let op = *op;
                self.at += 1;
                Some(op)
            }
            _ => None,
        }
    }

    /// Opens a parenthesis or `not` at character `at`: refused beyond [`MAX_DEPTH`], before the
    /// parser recurses any deeper. [`Parser::close`] undoes it.
    fn open(&mut self, at: usize) -> Result<(), String> {
        self.open += 1;
        if self.open > MAX_DEPTH {
            return Err(too_deep(at));
        }
        Ok(())
    }

    fn close(&mut self) {
        self.open -= 1;
    }

    /// Where the next token starts (the end of the text: one past the last token).
    fn position(&self) -> usize {
        self.tokens
            .get(self.at)
            .or(self.tokens.last())
            .map_or(1, |(_, p)| *p)
    }

    fn or(&mut self) -> Result<Typed, String> {
        self.connective("or", Self::and, Expr::or)
    }

    fn and(&mut self) -> Result<Typed, String> {
        self.connective("and", Self::not, Expr::and)
    }

    /// `operand (word operand)*`, every operand a yes/no condition.
    fn connective(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Typed, String>,
        combine: fn(Expr, Expr) -> Expr,
    ) -> Result<Typed, String> {
        let context = format!("`{word}`");
        let mut left = operand(self)?;
        while self.keyword(word) {
            let right = operand(self)?;
            let (at, depth) = (left.at, left.depth.max(right.depth) + 1);
            let right = right.expect(Type::Condition, &context)?;
            left = nested(
                combine(left.expect(Type::Condition, &context)?, right),
                Type::Condition,
                at,
                depth,
            )?;
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Typed, String> {
        let at = self.position();
        if self.keyword("not") {
            self.open(at)?;
            let operand = self.not()?;
            self.close();
            let depth = operand.depth + 1;
            let expr = operand.expect(Type::Condition, "`not`")?.not();
            return nested(expr, Type::Condition, at, depth);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Typed, String> {
        let left = self.sum()?;
        let Some(op) = self.op(&["==", "!=", "<", "<=", ">", ">="]) else {
            return Ok(left);
        };
        let at = left.at;
        let context = format!("`{op}`");
        let right = self.sum()?;
        let depth = left.depth.max(right.depth) + 1;
        let left = left.expect(Type::Number, &context)?;
        let right = right.expect(Type::Number, &context)?;
        let expr = match op {
            "==" => left.eq(right),
            "!=" => left.neq(right),
            "<" => left.lt(right),
            "<=" => left.lt_eq(right),
            ">" => left.gt(right),
            _ => left.gt_eq(right),
        };
        nested(expr, Type::Condition, at, depth)
    }

    fn sum(&mut self) -> Result<Typed, String> {
        self.arithmetic(["+", "-"], Self::product, |op, a, b| {
            if op == "+" {
                a + b
            } else {
                a - b
            }
        })
    }

    fn product(&mut self) -> Result<Typed, String> {
        self.arithmetic(["*", "/"], Self::atom, |op, a, b| {
            if op == "*" {
                a * b
            } else {
                a / b
            }
        })
    }

    /// `operand (op operand)*` for the two operators of one precedence, every operand a number.
    fn arithmetic(
        &mut self,
        ops: [&'static str; 2],
        operand: fn(&mut Self) -> Result<Typed, String>,
        combine: fn(&str, Expr, Expr) -> Expr,
    ) -> Result<Typed, String> {
        let mut left = operand(self)?;
        while let Some(op) = self.op(&ops) {
            let context = format!("`{op}`");
            let right = operand(self)?;
            let (at, depth) = (left.at, left.depth.max(right.depth) + 1);
            let right = right.expect(Type::Number, &context)?;
            left = nested(
                combine(op, left.expect(Type::Number, &context)?, right),
                Type::Number,
                at,
                depth,
            )?;
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Typed, String> {
        let Some((token, position)) = self.tokens.get(self.at).cloned() else {
            return Err("the expression ends too early".into());
        };
        self.at += 1;
        let typed = |expr, ty| Typed {
            expr,
            ty,
            at: position,
            depth: 1,
        };
        match token {
            Token::Number(value) => Ok(typed(lit(value), Type::Number)),
            Token::Open => {
                self.open(position)?;
                let inner = self.or()?;
                self.close();
                match self.tokens.get(self.at) {
                    Some((Token::Close, _)) => {
                        self.at += 1;
                        nested(inner.expr, inner.ty, position, inner.depth + 1)
                    }
                    _ => Err(format!("`(` at character {position} is not closed")),
                }
            }
            Token::Name(name) if name == BEGAN_AFTER => self.began_after(position),
            Token::Name(name) if name == "true" || name == "false" => {
                Ok(typed(lit(name == "true"), Type::Condition))
            }
            Token::Name(name) if self.known.contains(&name) => {
                if !self.numeric.contains(&name) {
                    return Ok(typed(col(name.as_str()), Type::Condition));
                }
                // Counts are small unsigned integers in the panel; arithmetic on them must not
                // wrap, so every count column is widened.
                let is_count =
                    name.starts_with("weeks") || name.ends_with("weeks") || name == "n_employers";
                Ok(typed(
                    if is_count {
                        col(name.as_str()).cast(DataType::Int32)
                    } else {
                        col(name.as_str())
                    },
                    Type::Number,
                ))
            }
            Token::Name(name) => Err(format!(
                "unknown column `{name}` at character {position}; known: {}",
                self.known.join(", ")
            )),
            other => Err(format!(
                "unexpected {} at character {position}",
                describe(&other)
            )),
        }
    }
}

/// The name of the one function of the language.
pub const BEGAN_AFTER: &str = "began_after";

impl Parser<'_> {
    /// `began_after(status, condition)`, its name already read at character `at`.
    fn began_after(&mut self, at: usize) -> Result<Typed, String> {
        let usage = "`began_after` takes two yes/no conditions: began_after(status, condition)";
        if !matches!(self.peek(), Some(Token::Open)) {
            return Err(format!(
                "{usage}; `(` is missing after it at character {at}"
            ));
        }
        self.at += 1;
        self.open(at)?;
        let status = self.or()?;
        if !matches!(self.peek(), Some(Token::Comma)) {
            return Err(format!(
                "{usage}; expected `,` after its first argument at character {}",
                self.position()
            ));
        }
        self.at += 1;
        let before = self.or()?;
        self.close();
        if !matches!(self.peek(), Some(Token::Close)) {
            return Err(format!(
                "{usage}; expected `)` after its second argument at character {}",
                self.position()
            ));
        }
        self.at += 1;
        let depth = status.depth.max(before.depth) + 1;
        let status = status.expect(Type::Condition, "`began_after`")?;
        let before = before.expect(Type::Condition, "`began_after`")?;
        nested(began_after(status, before), Type::Condition, at, depth)
    }
}

/// True in a person's month when `status` holds and `before` held in the month before the
/// current run of `status` began: the run is the consecutive months (no gap in the panel's
/// `month`) in which `status` holds, ending at this month. False when the month before the run
/// is not in the panel (before the registers or the panel's first month). Reads the panel's
/// `person` and `month` columns and needs the rows as the panel holds them: each person's months
/// together, in order, persons in ascending order. It must see whole histories, before any month
/// is cut away (`measure::input::prepare` computes the query's statuses on the whole panel).
///
/// Example: Figure 6's flexjob, "in a flexjob, with paid hours in the month before it began", is
/// `began_after(flexjob, paid_hours)`.
pub fn began_after(status: Expr, before: Expr) -> Expr {
    // Row-wise shifts and one running maximum rather than `over(person)` windows: a window
    // groups the whole panel each time (seconds per query on 30,000 persons, far more on a
    // million), while the panel's order already keeps each person's months together.
    let person = || col("person").cast(DataType::Int64);
    // The row before is the same person's month just before this one.
    let follows = person()
        .eq(person().shift(lit(1)))
        .and((col("month") - col("month").shift(lit(1))).eq(lit(1)))
        .fill_null(lit(false));
    let previous = |expr: Expr| {
        follows
            .clone()
            .and(expr.shift(lit(1)).fill_null(lit(false)))
    };
    let starts = status.clone().and(previous(status.clone()).not());
    // Each run's first month writes a code that grows with person and month, its last bit
    // whether `before` held in the month before the run; every other month writes its person's
    // lowest code. The running maximum then carries the latest run start along the person's
    // months, and a new person's months start above everything before them. Months (year * 12,
    // years 1900..2200) fit in 20 bits, person indices in 32: the code fits an i64.
    let base = person() * lit(1i64 << 22);
    let code = when(starts)
        .then(
            base.clone()
                + (col("month").cast(DataType::Int64) + lit(1i64 << 20)) * lit(2i64)
                + previous(before).cast(DataType::Int64),
        )
        .otherwise(base);
    let anchored = code.cum_max(false) % lit(2i64);
    status.and(anchored.eq(lit(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["paid_hours", "benefit_weeks", "hours", "weeks_internship"]
            .map(String::from)
            .to_vec()
    }

    fn numeric() -> Vec<String> {
        ["benefit_weeks", "hours", "weeks_internship"]
            .map(String::from)
            .to_vec()
    }

    fn parse(text: &str, known: &[String]) -> Result<Expr, String> {
        super::parse(text, known, &numeric())
    }

    #[test]
    fn parses_precedence() {
        let expr = parse(
            "paid_hours and benefit_weeks == 0 or not (hours >= 1.5)",
            &known(),
        );
        assert!(expr.is_ok(), "{expr:?}");
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            parse("paid_hours and benefit_weeks = 0", &known()).unwrap_err(),
            "`=` at character 30: compare with `==`"
        );
        let err = parse("paid_hour and hours > 3", &known()).unwrap_err();
        assert!(
            err.starts_with("unknown column `paid_hour` at character 1; known: paid_hours"),
            "{err}"
        );
        assert_eq!(
            parse("(hours > 3", &known()).unwrap_err(),
            "`(` at character 1 is not closed"
        );
        assert_eq!(
            parse("hours > 3 3", &known()).unwrap_err(),
            "unexpected number 3 at character 11"
        );
        assert_eq!(
            parse("hours >", &known()).unwrap_err(),
            "the expression ends too early"
        );
    }

    #[test]
    fn a_number_is_no_condition() {
        // Each would otherwise be a non-boolean column, counted as always true.
        assert_eq!(
            parse("hours", &known()).unwrap_err(),
            "the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)"
        );
        assert_eq!(
            parse("weeks_internship + benefit_weeks", &known()).unwrap_err(),
            "the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)"
        );
        assert_eq!(
            parse("paid_hours and hours", &known()).unwrap_err(),
            "`and` needs a yes/no condition, but the part at character 16 is a number"
        );
        assert_eq!(
            parse("not hours", &known()).unwrap_err(),
            "`not` needs a yes/no condition, but the part at character 5 is a number"
        );
        assert_eq!(
            parse("paid_hours >= 1", &known()).unwrap_err(),
            "`>=` needs a number, but the part at character 1 is a yes/no condition"
        );
        assert_eq!(
            parse("hours * (benefit_weeks > 1) > 2", &known()).unwrap_err(),
            "`*` needs a number, but the part at character 9 is a yes/no condition"
        );
        // Conditions and comparisons of numbers are fine, in parentheses too.
        assert!(parse("(paid_hours) or not (hours * 2 > 3)", &known()).is_ok());
        assert!(parse("true", &known()).is_ok());
    }

    /// Hand-worked months: person 0 has a flexjob run from month 12 after paid hours in 11
    /// (counts, both months), then a run from 15 after an unpaid 14 (does not count, not even in
    /// 16 when paid); person 1's run at their first panel month has no month before (does not
    /// count), their second run follows paid hours (counts); person 2's month before the run is
    /// missing from the panel (a gap), so it does not count.
    #[test]
    fn began_after_anchors_each_run_on_the_month_before_it() {
        use polars::prelude::{df, IntoLazy};
        let frame = df! {
            "person" => [0u32, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2],
            "month" => [10i32, 11, 12, 13, 14, 15, 16, 12, 13, 14, 15, 20, 22],
            "paid_hours" => [false, true, true, true, false, false, true, false, true, true, false, true, false],
            "flexjob" => [false, false, true, true, false, true, true, true, true, false, true, false, true],
        }
        .unwrap();
        let known: Vec<String> = ["paid_hours", "flexjob"].map(String::from).to_vec();
        let expr = super::parse("began_after(flexjob, paid_hours)", &known, &[]).unwrap();
        let out = frame
            .clone()
            .lazy()
            .select([expr.alias("counts")])
            .collect()
            .unwrap();
        let got: Vec<Option<bool>> = out
            .column("counts")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        let want = [
            false, false, true, true, false, false, false, false, false, false, true, false, false,
        ]
        .map(Some);
        assert_eq!(got, want);
    }

    /// Through `prepare`, as a query's status: computed on whole histories, before the population
    /// and `followup_end` cut months away. On tiny, `began_after(rel_month >= 0, rel_month + 1 == 0)`
    /// holds from the start month on for a person the panel has in the month before start, and
    /// never for P10, whose coverage begins at its rel_month 8. With the treatment arm and end
    /// dates (P08 ends at rel 4, P05 in its start month, P10 before coverage) the persons keep
    /// their months 0..end: P08 5, P06 0..9 = 10, P05 1, P01 0..8 = 9, P03 0..7 = 8, P10 none.
    /// P10's and P11's start months are not observed (first observed rel_month 8; start after
    /// coverage); the other 9 persons have rel_month -1 in the panel.
    #[test]
    fn began_after_sees_the_months_before_start_whatever_is_cut() {
        use crate::measure::input::{prepare, Scope};
        use crate::measure::{FollowupEnd, Window};
        use crate::panel::StatusParams;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples/tiny");
        let dataset = crate::dataset::Dataset::open(&dir).unwrap();
        let quiet = crate::progress::Progress::quiet();
        let loaded = crate::load::load(&dataset, &Default::default(), &quiet).unwrap();
        let mut panel = crate::panel::build(loaded, &Default::default(), &quiet).unwrap();
        let ids: Vec<String> = panel
            .persons
            .column("person_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|id| id.unwrap().to_string())
            .collect();
        let ends: Vec<Option<&str>> = ids
            .iter()
            .map(|id| match id.as_str() {
                "P10" => Some("2020-05-31"),
                "P08" => Some("2020-12-15"),
                "P05" => Some("2020-09-20"),
                _ => None,
            })
            .collect();
        let ends = polars::prelude::Column::new("end_date".into(), ends);
        panel.persons.with_column(ends).unwrap();
        let known: Vec<String> = vec!["rel_month".into()];
        let expr = super::parse(
            "began_after(rel_month >= 0, rel_month + 1 == 0)",
            &known,
            &known,
        );
        let custom = [("after_month_before".to_string(), expr.unwrap())];
        let counted = |population: Option<Expr>, end: FollowupEnd| {
            let (group_by, window, statuses) = ([], Window::default(), StatusParams::default());
            let scope = Scope {
                population,
                custom: &custom,
                followup_end: end,
                ..Scope::everyone(&group_by, &window, &statuses)
            };
            let input = prepare(&panel, scope).unwrap();
            let person = input.months.column("person").unwrap().u32().unwrap();
            let status = input.months.column("after_month_before").unwrap();
            let status = status.bool().unwrap();
            let mut per_person: Vec<(String, usize)> = Vec::new();
            for (p, yes) in person.iter().zip(status.iter()) {
                let id = ids[p.unwrap() as usize].clone();
                if per_person.last().is_none_or(|(last, _)| *last != id) {
                    per_person.push((id, 0));
                }
                per_person.last_mut().unwrap().1 += yes.unwrap() as usize;
            }
            per_person
        };
        let treatment = counted(Some(col("arm").eq(lit("treatment"))), FollowupEnd::EndDate);
        let want = [("P08", 5), ("P06", 10), ("P05", 1), ("P01", 9), ("P03", 8)];
        let want: Vec<(String, usize)> = want.iter().map(|(p, n)| (p.to_string(), *n)).collect();
        assert_eq!(treatment, want);
        let everyone = counted(None, FollowupEnd::Coverage);
        assert_eq!(everyone[0], ("P10".to_string(), 0));
        // As `population.at_start`, a filter on the start month's rows: it still reads the month
        // before. Selected: the 9 persons the panel has at rel_month -1 and 0; P10 (coverage
        // from its rel 8) and P11 (starts after coverage) cannot be tested.
        let (group_by, window, statuses) = ([], Window::default(), StatusParams::default());
        let scope = Scope {
            at_start: Some(custom[0].1.clone()),
            ..Scope::everyone(&group_by, &window, &statuses)
        };
        let input = prepare(&panel, scope).unwrap();
        assert_eq!((input.persons.height(), input.untestable), (9, 2));
    }

    #[test]
    fn began_after_says_how_it_is_called() {
        let usage = "`began_after` takes two yes/no conditions: began_after(status, condition)";
        assert_eq!(
            parse("began_after paid_hours", &known()).unwrap_err(),
            format!("{usage}; `(` is missing after it at character 1")
        );
        assert_eq!(
            parse("began_after(paid_hours)", &known()).unwrap_err(),
            format!("{usage}; expected `,` after its first argument at character 23")
        );
        assert_eq!(
            parse("began_after(paid_hours, paid_hours", &known()).unwrap_err(),
            format!("{usage}; expected `)` after its second argument at character 25")
        );
        assert_eq!(
            parse("began_after(hours, paid_hours)", &known()).unwrap_err(),
            "`began_after` needs a yes/no condition, but the part at character 13 is a number"
        );
        assert_eq!(
            parse("paid_hours, hours", &known()).unwrap_err(),
            "unexpected `,` at character 11"
        );
        // Its arguments are any conditions, and it is one itself.
        assert!(parse(
            "not began_after(paid_hours and hours >= 10, weeks_internship >= 1) or paid_hours",
            &known()
        )
        .is_ok());
    }

    #[test]
    fn nesting_is_refused_beyond_the_limit_however_it_is_built() {
        // The deepest each may go: a name is 1 level, each parenthesis, `not` and chained
        // operator one more.
        let deepest = MAX_DEPTH - 1;
        let parens = |n: usize| format!("{}paid_hours{}", "(".repeat(n), ")".repeat(n));
        let nots = |n: usize| format!("{}paid_hours", "not ".repeat(n));
        let ors = |n: usize| vec!["paid_hours"; n + 1].join(" or ");
        let sums = |n: usize| format!("{} > 1", vec!["hours"; n].join(" + "));
        for (kind, text, too_deep) in [
            ("parentheses", parens(deepest), parens(deepest + 1)),
            ("nots", nots(deepest), nots(deepest + 1)),
            ("an or chain", ors(deepest), ors(deepest + 1)),
            ("a sum compared", sums(deepest), sums(deepest + 1)),
        ] {
            assert!(parse(&text, &known()).is_ok(), "{kind} at the limit");
            let err = parse(&too_deep, &known()).unwrap_err();
            assert!(
                err.starts_with("the expression nests more than 64 levels deep at character ")
                    && err.ends_with("(each parenthesis, `not` and operator in a chain is a level): define parts of it as statuses of their own"),
                "{kind}: {err}"
            );
        }
        // Far beyond it, the parser stops at the limit instead of overflowing its stack.
        for text in [parens(200_000), nots(200_000), ors(200_000), sums(200_000)] {
            assert!(parse(&text, &known()).is_err());
        }
        assert_eq!(
            parse(&parens(200_000), &known()).unwrap_err(),
            "the expression nests more than 64 levels deep at character 65 (each parenthesis, `not` and operator in a chain is a level): define parts of it as statuses of their own"
        );
    }
}
