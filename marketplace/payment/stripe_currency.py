"""Stripe's rules for amounts: the currencies it charges in, the integer it expects for an amount,
and the smallest and largest charge it accepts.

Borderhub keeps money as integer minor units with the exponent Babel (CLDR) gives the currency
(`kernel.money`). Stripe counts some currencies differently, so our integer cannot always be sent
as it is:

- ISK and UGX have no minor unit in CLDR (exponent 0) but Stripe still counts them in hundredths
  and charges whole units only: 13004 ISK is 1300400 for Stripe (sent as 13004 it would charge
  130.04 ISK). The same holds for every currency CLDR gives no decimals that Stripe does not list
  as zero-decimal (ALL, AFN, LAK, LBP, MMK, RSD, SOS, YER, ...).
- BHD, JOD, KWD, OMR and TND have three decimals in both, but Stripe wants the last digit 0.
- HUF and TWD are charged with two decimals, but Stripe pays them out in whole units only
  (see `transfer_amount`).
- Charges have a minimum per currency and a maximum number of digits.

Sources, read on 2026-12-06 (from stored copies; the page is not versioned):

- https://docs.stripe.com/currencies — "Supported presentment currencies", "Zero-decimal
  currencies", "Special cases" (ISK, HUF, TWD, UGX), "Minimum and maximum charge amounts".
- The same page's "Three-decimal currencies" section (last digit must be 0, "5.124 KWD must be
  rounded to 5120 or 5130"), present up to 2023 and no longer shown; kept here because Stripe has
  not said the rule was lifted, and refusing 1.235 KWD costs less than a refused payment.
- https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds (ISK
  amounts in multiples of 100 from 2023-04-14).

Stripe lists UGX both as zero-decimal and, under "Special cases", as two-decimal like ISK ("to
charge 5 UGX, provide an amount value of 500"); the special case is the more specific rule and is
the one followed here. When Stripe changes these rules, change the tables below and their tests.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_name

from kernel.codes import currency_exponent

#: Currencies a payment can be charged in (Stripe's presentment currencies, upper-cased). The
#: list Stripe shows depends on the platform account's country; this is the list shown to most
#: countries, plus the three-decimal currencies, which only some countries (e.g. AE) may charge in.
PRESENTMENT_CURRENCIES = frozenset(
    {
        *("USD", "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD"),
        *("BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD"),
        *("CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP"),
        *("ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL"),
        *("HTG", "HUF", "IDR", "ILS", "INR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF"),
        *("KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD"),
        *("MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK"),
        *("NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD"),
        *("RUB", "RWF", "SAR", "SBD", "SCR", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "STD", "SZL"),
        *("THB", "TJS", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "UYU", "UZS", "VND"),
        *("VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW"),
    }
)

#: Stripe's zero-decimal currencies: its integer is the amount in whole units (500 JPY is 500).
#: UGX, also on Stripe's list, is left out: see the module's docstring.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF"}
)

#: Three decimals, and the last digit must be 0: 1.230 KWD is 1230, 1.235 KWD cannot be charged.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

#: Counted in hundredths, charged (and refunded) in whole units only: 5 ISK is 500, never 501.
WHOLE_UNITS_ONLY = frozenset({"ISK", "UGX"})

#: Charged with two decimals, paid out in whole units only ("evenly divisible by 100").
WHOLE_UNIT_PAYOUTS = frozenset({"HUF", "TWD"})

#: The smallest charge, in currency units, for the currencies Stripe tables one for. Stripe
#: applies the minimum of the platform's settlement currency after conversion; a charge in a
#: currency not tabled here must be worth 0.50 USD or so, which cannot be checked without
#: exchange rates, so only these currencies get a minimum check.
MINIMUM_CHARGE = {
    code: Decimal(amount)
    for code, amount in (
        *(("USD", "0.50"), ("AED", "2.00"), ("ARS", "0.50"), ("AUD", "0.50"), ("BRL", "0.50")),
        *(("CAD", "0.50"), ("CHF", "0.50"), ("COP", "0.50"), ("CZK", "15.00"), ("DKK", "2.50")),
        *(("EUR", "0.50"), ("GBP", "0.30"), ("HKD", "4.00"), ("HUF", "175.00"), ("IDR", "0.50")),
        *(("ILS", "0.50"), ("INR", "0.50"), ("JPY", "50"), ("KRW", "50"), ("MXN", "10")),
        *(("MYR", "2.00"), ("NOK", "3.00"), ("NZD", "0.50"), ("PHP", "0.50"), ("PLN", "2.00")),
        *(("RON", "2.00"), ("RUB", "0.50"), ("SEK", "3.00"), ("SGD", "0.50"), ("THB", "10")),
        ("ZAR", "0.50"),
    )
}

#: How many digits Stripe's integer may have: 8 (999,999.99 in a two-decimal currency) unless
#: listed. Stripe gives these for payment methods other than cards (and the PaymentIntent API
#: reference says eight digits); cards alone may go up to 12 digits (9 for American Express), but
#: a checkout's PaymentIntent may be paid by other methods too, so the lower limits hold.
MAX_DIGITS = {"IDR": 12, "COP": 10, "INR": 9}
DEFAULT_MAX_DIGITS = 8

_STEP_OF_WHOLE_UNITS = 2  # in Stripe's integer of a two-decimal currency, one unit is 10**2
_STEP_OF_THREE_DECIMALS = 1  # the last digit 0: steps of 10**1


def is_supported(currency: str) -> bool:
    """Whether Stripe charges in `currency` (an ISO 4217 code, any case)."""
    return currency.upper() in PRESENTMENT_CURRENCIES


def to_stripe(amount_minor: int, currency: str) -> int:
    """Our minor units (Babel's exponent) as the integer Stripe expects for `currency`.

    13004 ISK -> 1300400, 500 JPY -> 500, 12.34 EUR (1234) -> 1234, 1.230 KWD (1230) -> 1230.
    Raises `ValueError` when Stripe cannot take the amount exactly (1.235 KWD, a fraction of an
    ISK) or does not charge in the currency.
    """
    code = _supported(currency)
    shift = _stripe_exponent(code) - currency_exponent(code)
    if shift >= 0:
        amount = amount_minor * _ten(shift)
    elif amount_minor % _ten(-shift):
        raise ValueError(f"{_money(amount_minor, code)} has more decimals than Stripe takes for {code}")
    else:
        amount = amount_minor // _ten(-shift)
    step = _ten(_charge_step_exponent(code))
    if amount % step:
        raise ValueError(f"Stripe charges {code} only in steps of {_money_of_stripe(step, code)}")
    return amount


def from_stripe(amount: int, currency: str) -> int:
    """Stripe's integer for `currency` back in our minor units (1300400 ISK -> 13004).

    Raises `ValueError` when it is not a whole number of our minor units (1300450 ISK) or Stripe
    does not charge in the currency.
    """
    code = _supported(currency)
    shift = _stripe_exponent(code) - currency_exponent(code)
    if shift < 0:
        return amount * _ten(-shift)
    if amount % _ten(shift):
        raise ValueError(f"{amount} in Stripe's {code} units is not a whole number of our minor units")
    return amount // _ten(shift)


def chargeable_problem(amount_minor: int, currency: str) -> str | None:
    """None when Stripe would accept a card payment of `amount_minor` (our minor units) in
    `currency`; otherwise what is wrong, in words for the buyer.

    Checked in this order, the first failing one is said: the currency (judged whatever the
    amount), the steps Stripe charges in (three-decimal currencies end in 0), Stripe's minimum for
    the currency (only for those in `MINIMUM_CHARGE`; any other must still be more than zero), and
    the maximum number of digits.
    """
    code = currency.upper()
    if code not in PRESENTMENT_CURRENCIES:
        return (
            f"Card payments cannot be made in {code} ({get_currency_name(code, locale='en')}); "
            "choose another currency, such as EUR or USD, or pay by invoice"
        )
    total = _money(amount_minor, code)
    try:
        amount = to_stripe(amount_minor, code)
    except ValueError:
        step = _money_of_stripe(_ten(_charge_step_exponent(code)), code)
        return (
            f"A card payment in {code} must be a multiple of {step}, and the total of {total} is not; "
            "change a quantity or pay by invoice"
        )
    # The bounds as amounts that can be charged: 999,999 ISK rather than 999,999.99.
    granularity = _granularity(code)
    minimum = MINIMUM_CHARGE.get(code)
    smallest = _stripe_units(minimum, code) if minimum is not None else 1
    smallest = -(-smallest // granularity) * granularity
    if amount < smallest:
        return (
            f"A card payment in {code} must be at least {_money_of_stripe(smallest, code)}, and the total is "
            f"{total}; order more or pay by invoice"
        )
    largest = _ten(MAX_DIGITS.get(code, DEFAULT_MAX_DIGITS)) - 1
    largest -= largest % granularity
    if amount > largest:
        return (
            f"A card payment in {code} can be at most {_money_of_stripe(largest, code)}, and the total is "
            f"{total}; split the order into smaller ones or pay by invoice"
        )
    return None


def transfer_amount(amount_minor: int, currency: str) -> int:
    """The largest amount not above `amount_minor` (our minor units) to transfer to a producer's
    connected account in `currency`; the amount itself for most currencies.

    HUF and TWD are rounded down to whole units (10045 HUF, 100.45, -> 10000): Stripe pays them
    out in whole units only. Stripe states that rule for payouts, not for transfers, but a
    fraction transferred could never be paid out in full, so none is sent. The three-decimal
    currencies are rounded down to a last digit of 0 (Stripe's rule for charges and refunds,
    taken for transfers too). ISK and UGX amounts are whole units in our minor units already.
    The rounding stays with the platform: less than one unit per transfer.
    Raises `ValueError` for a currency Stripe does not support.
    """
    code = _supported(currency)
    shift = _stripe_exponent(code) - currency_exponent(code)
    step = _ten(max(0, _transfer_step_exponent(code) - shift))
    return amount_minor - amount_minor % step


def refund_amount(amount_minor: int, currency: str) -> int:
    """The largest amount not above `amount_minor` (our minor units) Stripe accepts for a refund in
    `currency`, charges' steps applying: a three-decimal share (1.235 KWD of a 2.470 KWD charge)
    goes back as 1.230. The amount itself for most currencies. Raises `ValueError` for a currency
    Stripe does not support."""
    code = _supported(currency)
    shift = _stripe_exponent(code) - currency_exponent(code)
    step = _ten(max(0, _charge_step_exponent(code) - shift))
    return amount_minor - amount_minor % step


def _supported(currency: str) -> str:
    code = currency.upper()
    if code not in PRESENTMENT_CURRENCIES:
        raise ValueError(f"Stripe does not charge in {code}")
    return code


def _stripe_exponent(code: str) -> int:
    """How many decimals Stripe's integer has for the currency."""
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def _charge_step_exponent(code: str) -> int:
    """A charge must be a multiple of 10**this in Stripe's integer."""
    if code in WHOLE_UNITS_ONLY:
        return _STEP_OF_WHOLE_UNITS
    if code in THREE_DECIMAL:
        return _STEP_OF_THREE_DECIMALS
    return 0


def _transfer_step_exponent(code: str) -> int:
    """A transfer is sent as a multiple of 10**this in Stripe's integer."""
    if code in WHOLE_UNIT_PAYOUTS:
        return _STEP_OF_WHOLE_UNITS
    return _charge_step_exponent(code)


def _granularity(code: str) -> int:
    """The smallest step between amounts Stripe can be charged in the currency, in its integer."""
    shift = _stripe_exponent(code) - currency_exponent(code)
    return _ten(max(_charge_step_exponent(code), shift))


def _ten(exponent: int) -> int:
    """10**exponent, for an exponent of 0 or more."""
    return int(10**exponent)


def _stripe_units(amount: Decimal, code: str) -> int:
    return int(amount.scaleb(_stripe_exponent(code)))


def _money_of_stripe(amount: int, code: str) -> str:
    return _format(Decimal(amount).scaleb(-_stripe_exponent(code)), code)


def _money(amount_minor: int, code: str) -> str:
    return _format(Decimal(amount_minor).scaleb(-currency_exponent(code)), code)


def _format(amount: Decimal, code: str) -> str:
    # "0.50 EUR", "13,004 ISK", "1.235 KWD": the code rather than a symbol ($ is many currencies);
    # the currency's own number of decimals (Babel's).
    return format_currency(amount, code, format="#,##0.00 ¤¤", locale="en")
