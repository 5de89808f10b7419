//! Arithmetic on decimals that cannot panic. `rust_decimal`'s operators
//! panic on overflow; replay, scoring, the report model and the checks use
//! these instead (a lint denies the operators there). Inputs are bounded
//! when typed and when imported, and replay leaves out stored values beyond
//! the bounds (D1), so none of these ever saturates in practice; if one
//! did, the figure would be wrong and visible, not a crash.

use rust_decimal::Decimal;

/// a + b, saturating.
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_add(b)
}

/// a − b, saturating.
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_sub(b)
}

/// a × b, saturating.
pub fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_mul(b)
}

/// a ÷ b, saturating; 0 for a division by zero (callers test for it first).
pub fn div(a: Decimal, b: Decimal) -> Decimal {
    if b.is_zero() {
        return Decimal::ZERO;
    }
    a.checked_div(b).unwrap_or(if a.is_sign_negative() == b.is_sign_negative() { Decimal::MAX } else { Decimal::MIN })
}

/// The sum of the values, saturating.
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    values.into_iter().fold(Decimal::ZERO, add)
}

/// 100: percentages and the total of points.
pub fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edges_saturate_instead_of_panicking() {
        assert_eq!(add(Decimal::MAX, Decimal::ONE), Decimal::MAX);
        assert_eq!(sub(Decimal::MIN, Decimal::ONE), Decimal::MIN);
        assert_eq!(mul(Decimal::MAX, Decimal::TWO), Decimal::MAX);
        assert_eq!(div(Decimal::MAX, Decimal::new(1, 10)), Decimal::MAX);
        assert_eq!(div(Decimal::MIN, Decimal::new(1, 10)), Decimal::MIN);
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), Decimal::ZERO);
        assert_eq!(sum([Decimal::MAX, Decimal::MAX]), Decimal::MAX);
        assert_eq!(sum([Decimal::ONE, Decimal::TWO]), Decimal::new(3, 0));
    }
}
