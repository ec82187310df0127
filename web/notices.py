"""What a page says after a form succeeded and redirected to it (`?notice=<key>`)."""

from __future__ import annotations


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


NOTICES = {
    "signed-out": _("You are signed out."),
    "registered": _(
        "Your account is ready. We sent you an e-mail with a link: follow it to prove the address is yours, "
        "then sign in."
    ),
    "email-verified": _("Thank you: your e-mail address is proven."),
    "verification-sent": _("We sent you a new link. It is valid for 48 hours."),
    "verification-wait": _("We sent you a link less than a minute ago. Please wait a moment before asking again."),
    "password-changed": _("Your password is changed. Sign in with the new one."),
    "all-read": _("Every notification is marked as read."),
    "profile-saved": _("Your settings are saved."),
    "password-changed-here": _("Your password is changed. Every other sign-in of yours has ended."),
    "invitation-accepted": _("You joined the organisation."),
    "organization-created": _("The organisation is created. Apply to a hub next, so that it can trade there."),
    "billing-saved": _("The invoicing details are saved. The organisation's next invoices show them."),
    "hub-applied": _("The application is sent. The hub's coordinators decide, and we tell you when they have."),
    "credential-recorded": _("It is recorded. A coordinator of each of your hubs checks it."),
    "committed": _("Your commitment is recorded. You can change it until the window closes."),
    "commitment-changed": _("Your commitment is changed."),
    "commitment-withdrawn": _("Your commitment is withdrawn."),
    "pool-opened": _("The pool is open. The hub's buyers are told and can commit until the window closes."),
    "pool-closed": _("The window is closed and the pool came about: the commitments are binding."),
    "pool-failed": _("The window is closed, but less than the minimum was committed: the pool did not come about."),
    "bid-submitted": _("Your sealed bid is in. You can change or withdraw it until the deadline."),
    "bid-changed": _("Your bid is replaced by the new one."),
    "bid-withdrawn": _("Your bid is withdrawn and erased."),
    "dispute-opened": _("Your dispute is opened. The producer and the hub's coordinators are told."),
    "dispute-message-sent": _("Your message is added to the dispute. The others are told."),
    "added-to-cart": _("Added to your cart."),
    "cart-updated": _("The quantity is changed."),
    "cart-line-removed": _("It is out of your cart."),
    "checkout-placed": _("Thank you: your orders are placed. Each producer is told."),
    "checkout-placed-pay-later": _(
        "Your orders are placed, but Stripe's payment page could not be opened just now. Pay by card below."
    ),
    "order-repeated": _("The goods of that order are in your cart again."),
    "order-repeated-partly": _(
        "Some goods of that order are in your cart again; the others are no longer offered as they were ordered."
    ),
    "order-repeated-none": _("None of the goods of that order are offered as they were ordered any more."),
    "order-accepted": _("You accepted the order. The buyer is told."),
    "order-rejected": _("You rejected the order. The buyer is told why."),
    "order-shipped": _("The order is marked as shipped. The buyer is told."),
    "order-delivered": _("The order is marked as delivered."),
    "order-cancelled": _("The order is cancelled."),
    "order-completed": _("The order is completed."),
    "invoice-paid": _("The invoice is marked as paid."),
    "listing-created": _("The listing is created."),
    "listing-saved": _("Your changes to the listing are saved."),
    "listing-unchanged": _("Nothing was changed in the listing."),
    "listing-paused": _("The listing is paused: buyers do not see it until you offer it again."),
    "listing-activated": _("The listing is offered to buyers again."),
    "listing-archived": _("The listing is archived: buyers no longer see it."),
    "photo-added": _("The photo is added."),
    "photo-described": _("The description of the photo is saved."),
    "photos-reordered": _("The photos are in their new order."),
    "photo-removed": _("The photo is removed."),
    "listings-import-unchanged": _("The file is imported: it changes none of your listings."),
    "organization-admitted": _("The organisation is admitted. Its members are told."),
    "organization-rejected": _("The organisation is not admitted. Its members are told why."),
    "inclusion-verified": _("The declaration is verified, with the evidence you saw."),
    "inclusion-refused": _("The declaration is refused. The reason is kept with the hub's decisions."),
    "credential-verified": _("The credential is verified. The organisation is told."),
    "credential-rejected": _("The credential is not accepted. The organisation is told why."),
    "tender-created": _("The tender is saved as a draft. Check it, then publish it to open it for bids."),
    "tender-published": _("The tender is published: the hub's producers can bid until the deadline."),
    "tender-amended": _("The change is saved."),
    "award-evaluated": _("The tender is evaluated: the proposed award is below."),
    "award-confirmed": _("The award is confirmed: the buyers' orders are placed, and the award is published."),
    "award-overridden": _(
        "The tender is awarded as you entered it: the buyers' orders are placed, and the award is published with "
        "your justification."
    ),
    "tender-unsuccessful": _("The tender ended without an award. Its buyers and bidders are told why."),
    "tender-cancelled": _("The tender is cancelled."),
    "requirement-added": _("The requirement is added. Buyers' search follows it within minutes."),
    "requirement-removed": _("The requirement is removed. Buyers' search follows it within minutes."),
    "recognition-added": _("The recognition is added. Buyers' search follows it within minutes."),
    "recognition-removed": _("The recognition is removed. Buyers' search follows it within minutes."),
    "invoice-terms-saved": _("The buyer's invoice terms are saved."),
    "public-catalogue-saved": _("The public catalogue's prices are set as you chose."),
    "coordinator-appointed": _("The new coordinator is appointed and can run the hub from now on."),
    "coordinator-dismissed": _("The coordinator is dismissed."),
    "vocabulary-terms-added": _("The words are added: from the next search on, they find these goods."),
    "vocabulary-term-removed": _("The word is removed: from the next search on, it no longer finds these goods."),
    "vocabulary-concept-created": _("The goods are added: from the next search on, their names find them."),
    "stepped-down": _("You no longer coordinate the hub."),
    "dispute-resolved": _("The decision is recorded and the order completed. Both sides are told."),
    "advance-requested": _("Your request is sent. The consortium's officers decide; this page shows their decision."),
    "advance-withdrawn": _("The request is withdrawn."),
    "advance-first-approval": _("Your approval is recorded. A second officer approves it too before it is paid out."),
    "advance-approved": _("The advance is approved. Confirm the payout here once the bank transfer is made."),
    "advance-declined": _("The advance is declined. The producer reads your reason."),
    "advance-disbursed": _("The payout is recorded. The order's invoice now tells the buyer to pay the consortium."),
    "advance-buyer-paid": _("The buyer's payment is recorded."),
    "advance-producer-repaid": _("The producer's repayment is recorded."),
    "advance-remitted": _("The transfer to the producer is recorded."),
}


def notice_text(key: str | None) -> str | None:
    """The English text of a notice (None for no notice or an unknown key)."""
    return NOTICES.get(key or "")


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a counted text (both its forms) for the catalog; translated with its count when shown."""
    return singular, plural


#: Notices saying how many (`?notice=<key>&count=<n>`): said in the plural form of the count, which
#: they name `%(num)s`.
COUNTED_NOTICES = {
    "listings-imported": ngettext("%(num)s listing is imported.", "%(num)s listings are imported."),
}


def counted_notice(key: str | None) -> tuple[str, str] | None:
    """The English singular and plural of a counted notice (None for another key)."""
    return COUNTED_NOTICES.get(key or "")
