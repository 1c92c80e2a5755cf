//! What an email template may do. Templates are written by every workspace's admins and run on
//! the server that serves every tenant, so no template, saved or previewed, may use more than a
//! small fixed amount of memory or time. The engine's fuel bounds the steps; this module bounds
//! the rest:
//! - only constructs whose values are no larger than the template and its placeholders: no
//!   arithmetic or concatenation (`'x' * 100000000`, `s ~ s`), no function or method calls, no
//!   macros, captured blocks or imports, and only filters that do not grow a value;
//! - the rendered output, written through a writer that refuses to grow past [`MAX_OUTPUT`].

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr, Stmt};
use minijinja::machinery::{WhitespaceConfig, parse};
use minijinja::syntax::SyntaxConfig;
use std::io;

/// The most bytes one rendered part of an email may have.
pub const MAX_OUTPUT: usize = 512 * 1024;

/// Filters that never make a value larger than what they are given (or their arguments).
const FILTERS: &[&str] = &[
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "default",
    "d",
    "length",
    "count",
    "first",
    "last",
    "safe",
];

/// Refuses a template that uses anything beyond the bounded constructs, naming its line. One
/// that does not parse passes here: compiling it reports the syntax error.
pub fn check(name: &str, source: &str) -> Result<(), String> {
    match parse(source, name, SyntaxConfig, WhitespaceConfig::default()) {
        Ok(template) => statement(&template),
        Err(_) => Ok(()),
    }
}

fn statements(body: &[Stmt<'_>]) -> Result<(), String> {
    body.iter().try_for_each(statement)
}

fn statement(stmt: &Stmt<'_>) -> Result<(), String> {
    match stmt {
        Stmt::Template(t) => statements(&t.children),
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::EmitExpr(e) => expression(&e.expr),
        Stmt::IfCond(c) => {
            expression(&c.expr)?;
            statements(&c.true_body)?;
            statements(&c.false_body)
        }
        Stmt::ForLoop(f) if f.recursive => refuse(f.span().start_line, "a recursive loop"),
        Stmt::ForLoop(f) => {
            expression(&f.target)?;
            expression(&f.iter)?;
            f.filter_expr.as_ref().map_or(Ok(()), expression)?;
            statements(&f.body)?;
            statements(&f.else_body)
        }
        Stmt::Set(s) => {
            expression(&s.target)?;
            expression(&s.expr)
        }
        Stmt::SetBlock(s) => refuse(s.span().start_line, "`{% set %}…{% endset %}`"),
        Stmt::FilterBlock(s) => refuse(s.span().start_line, "`{% filter %}`"),
        Stmt::Macro(s) => refuse(s.span().start_line, "`{% macro %}`"),
        Stmt::CallBlock(s) => refuse(s.span().start_line, "`{% call %}`"),
        Stmt::WithBlock(s) => refuse(s.span().start_line, "`{% with %}`"),
        Stmt::AutoEscape(s) => refuse(s.span().start_line, "`{% autoescape %}`"),
        Stmt::Do(s) => refuse(s.span().start_line, "`{% do %}`"),
        Stmt::Block(s) => refuse(s.span().start_line, "`{% block %}`"),
        Stmt::Import(s) => refuse(s.span().start_line, "`{% import %}`"),
        Stmt::FromImport(s) => refuse(s.span().start_line, "`{% from %}`"),
        Stmt::Extends(s) => refuse(s.span().start_line, "`{% extends %}`"),
        Stmt::Include(s) => refuse(s.span().start_line, "`{% include %}`"),
    }
}

fn expression(expr: &Expr<'_>) -> Result<(), String> {
    match expr {
        Expr::Var(_) | Expr::Const(_) => Ok(()),
        Expr::GetAttr(a) => expression(&a.expr),
        Expr::GetItem(i) => {
            expression(&i.expr)?;
            expression(&i.subscript_expr)
        }
        Expr::Slice(s) => {
            expression(&s.expr)?;
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expression(part)?;
            }
            Ok(())
        }
        Expr::UnaryOp(u) => expression(&u.expr),
        Expr::BinOp(b) => {
            if !matches!(
                b.op,
                BinOpKind::Eq
                    | BinOpKind::Ne
                    | BinOpKind::Lt
                    | BinOpKind::Lte
                    | BinOpKind::Gt
                    | BinOpKind::Gte
                    | BinOpKind::ScAnd
                    | BinOpKind::ScOr
                    | BinOpKind::In
            ) {
                return refuse(
                    b.span().start_line,
                    "arithmetic and joining values (`+ - * / % ** ~`)",
                );
            }
            expression(&b.left)?;
            expression(&b.right)
        }
        Expr::Compare(c) => {
            expression(&c.expr)?;
            c.ops.iter().try_for_each(|op| expression(&op.expr))
        }
        Expr::IfExpr(i) => {
            expression(&i.test_expr)?;
            expression(&i.true_expr)?;
            i.false_expr.as_ref().map_or(Ok(()), expression)
        }
        Expr::Filter(f) if !FILTERS.contains(&f.name) => Err(format!(
            "line {}: the filter `{}` is not available in email templates; use {}",
            f.span().start_line,
            f.name,
            FILTERS.join(", ")
        )),
        Expr::Filter(f) => {
            f.expr.as_ref().map_or(Ok(()), expression)?;
            arguments(&f.args)
        }
        Expr::Test(t) => {
            expression(&t.expr)?;
            arguments(&t.args)
        }
        Expr::Call(c) => refuse(c.span().start_line, "calling functions"),
        Expr::List(l) => l.items.iter().try_for_each(expression),
        Expr::Map(m) => m.keys.iter().chain(&m.values).try_for_each(expression),
    }
}

fn arguments(args: &[CallArg<'_>]) -> Result<(), String> {
    args.iter().try_for_each(|arg| match arg {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
            expression(e)
        }
    })
}

fn refuse(line: u16, what: &str) -> Result<(), String> {
    Err(format!(
        "line {line}: {what} is not available in email templates"
    ))
}

/// Collects rendered output, refusing to grow past [`MAX_OUTPUT`].
#[derive(Default)]
pub struct CappedOutput {
    pub bytes: Vec<u8>,
    pub overflowed: bool,
}

impl io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(io::Error::other("the rendered email is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
