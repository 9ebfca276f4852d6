//! The small expression language of query files: a query's own statuses (`[statuses]`) and its
//! `population.at_start` filter are boolean expressions over the panel's columns, e.g.
//! `paid_hours and benefit_weeks == 0` or `weeks_internship + weeks_wage_subsidy >= 1`.
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, comparisons (`== != < <= > >=`),
//! `+ -`, `* /`, then numbers, `true`/`false`, column names and parentheses. Every column name is
//! checked against the columns the expression may use, so a typo fails when the query is read.

use polars::prelude::{col, lit, DataType, Expr};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
}

/// Parses `text` into a polars expression; `known` are the names it may use. The error says what
/// is wrong and where (a 1-based character position).
pub fn parse(text: &str, known: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        known,
    };
    let expr = parser.or()?;
    if let Some((token, position)) = parser.tokens.get(parser.at) {
        return Err(format!(
            "unexpected {} at character {position}",
            describe(token)
        ));
    }
    Ok(expr)
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

    fn or(&mut self) -> Result<Expr, String> {
        let mut expr = self.and()?;
        while self.keyword("or") {
            expr = expr.or(self.and()?);
        }
        Ok(expr)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut expr = self.not()?;
        while self.keyword("and") {
            expr = expr.and(self.not()?);
        }
        Ok(expr)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            return Ok(self.not()?.not());
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.sum()?;
        let Some(op) = self.op(&["==", "!=", "<", "<=", ">", ">="]) else {
            return Ok(left);
        };
        let right = self.sum()?;
        Ok(match op {
            "==" => left.eq(right),
            "!=" => left.neq(right),
            "<" => left.lt(right),
            "<=" => left.lt_eq(right),
            ">" => left.gt(right),
            _ => left.gt_eq(right),
        })
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut expr = self.product()?;
        while let Some(op) = self.op(&["+", "-"]) {
            let right = self.product()?;
            expr = if op == "+" {
                expr + right
            } else {
                expr - right
            };
        }
        Ok(expr)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut expr = self.atom()?;
        while let Some(op) = self.op(&["*", "/"]) {
            let right = self.atom()?;
            expr = if op == "*" {
                expr * right
            } else {
                expr / right
            };
        }
        Ok(expr)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let Some((token, position)) = self.tokens.get(self.at).cloned() else {
            return Err("the expression ends too early".into());
        };
        self.at += 1;
        match token {
            Token::Number(value) => Ok(lit(value)),
            Token::Open => {
                let expr = self.or()?;
                match self.tokens.get(self.at) {
                    Some((Token::Close, _)) => {
                        self.at += 1;
                        Ok(expr)
                    }
                    _ => Err(format!("`(` at character {position} is not closed")),
                }
            }
            Token::Name(name) if name == "true" || name == "false" => Ok(lit(name == "true")),
            Token::Name(name) if self.known.contains(&name) => {
                // Counts are small unsigned integers in the panel; arithmetic on them must not
                // wrap, so every numeric column is widened.
                Ok(
                    if name.starts_with("weeks") || name.ends_with("weeks") || name == "n_employers"
                    {
                        col(name.as_str()).cast(DataType::Int32)
                    } else {
                        col(name.as_str())
                    },
                )
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
}
