//! The small expression language of query files: a query's own statuses (`[statuses]`) and its
//! `population.at_start` filter are boolean expressions over the panel's columns, e.g.
//! `paid_hours and benefit_weeks == 0` or `weeks_internship + weeks_wage_subsidy >= 1`.
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, comparisons (`== != < <= > >=`),
//! `+ -`, `* /`, then numbers, `true`/`false`, column names and parentheses. Every column name is
//! checked against the columns the expression may use, so a typo fails when the query is read,
//! and every operand against its type: `and`, `or` and `not` take yes/no conditions, comparisons
//! and arithmetic take numbers, and the whole expression must be a yes/no condition (a number
//! where a condition belongs would otherwise count as always true).

use polars::prelude::{col, lit, DataType, Expr};

/// What an expression (or a column) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Condition,
    Number,
}

/// A parsed part of an expression, with its type and where it starts (1-based character).
struct Typed {
    expr: Expr,
    ty: Type,
    at: usize,
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
}

/// Parses `text` into a polars expression for a yes/no condition; `known` are the names it may
/// use, of which `numeric` are numbers (the rest are yes/no statuses). The error says what is
/// wrong and where (a 1-based character position).
pub fn parse(text: &str, known: &[String], numeric: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
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
    known: &'a [String],
    numeric: &'a [String],
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
            let right = operand(self)?.expect(Type::Condition, &context)?;
            let at = left.at;
            left = Typed {
                expr: combine(left.expect(Type::Condition, &context)?, right),
                ty: Type::Condition,
                at,
            };
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Typed, String> {
        let at = self.position();
        if self.keyword("not") {
            let expr = self.not()?.expect(Type::Condition, "`not`")?.not();
            return Ok(Typed {
                expr,
                ty: Type::Condition,
                at,
            });
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
        let left = left.expect(Type::Number, &context)?;
        let right = self.sum()?.expect(Type::Number, &context)?;
        let expr = match op {
            "==" => left.eq(right),
            "!=" => left.neq(right),
            "<" => left.lt(right),
            "<=" => left.lt_eq(right),
            ">" => left.gt(right),
            _ => left.gt_eq(right),
        };
        Ok(Typed {
            expr,
            ty: Type::Condition,
            at,
        })
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
            let right = operand(self)?.expect(Type::Number, &context)?;
            let at = left.at;
            left = Typed {
                expr: combine(op, left.expect(Type::Number, &context)?, right),
                ty: Type::Number,
                at,
            };
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
        };
        match token {
            Token::Number(value) => Ok(typed(lit(value), Type::Number)),
            Token::Open => {
                let inner = self.or()?;
                match self.tokens.get(self.at) {
                    Some((Token::Close, _)) => {
                        self.at += 1;
                        Ok(typed(inner.expr, inner.ty))
                    }
                    _ => Err(format!("`(` at character {position} is not closed")),
                }
            }
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
}
