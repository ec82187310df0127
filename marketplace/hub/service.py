"""Hub use cases: create hubs, appoint coordinators, admit organisations, verify inclusion, read the audit log."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes, text
from kernel.audit import AuditEntry
from kernel.auth import Principal, require_platform_admin
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.events import (
    InclusionVerificationChanged,
    OrganizationAdmitted,
    OrganizationApplied,
    OrganizationRejected,
)
from marketplace.hub.models import Hub
from marketplace.hub.repository import HubRepository
from marketplace.hub.schemas import (
    AuditEntryRead,
    CoordinatorRead,
    DeclarationToVerify,
    HubApplication,
    HubCreate,
    HubMemberRead,
    HubMembershipRead,
    HubRead,
    InclusionRefusalRead,
    InclusionVerificationRead,
    InvoiceTerms,
    NamedPlace,
    PublicCatalogue,
)
from marketplace.identity.models import User
from marketplace.identity.repository import IdentityRepository
from marketplace.organization.models import (
    HubCoordinator,
    HubMembership,
    HubMembershipStatus,
    Inclusion,
    InclusionAttribute,
    InclusionRefusal,
    Organization,
    Role,
)
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationService, inclusion_read, require_verified_email


class HubNotFound(NotFound):
    slug = "hub-not-found"


class NotACoordinator(Forbidden):
    slug = "not-a-coordinator"


class OutsideHub(InvalidInput):
    slug = "outside-hub"


def within(jurisdiction_codes: list[str], country: str, subdivision: str | None) -> bool:
    """Whether a place (country, optional subdivision) lies inside any of the jurisdictions."""
    return any(code in (country, subdivision) for code in jurisdiction_codes)


def check_coordinator(principal: Principal, hub_exists: bool, coordinates: bool) -> None:
    """`HubService.require_coordinator`'s rule on what it read (`coordinator_standing_sql`): also for
    a read that asked it in its own statement."""
    if not hub_exists:
        raise HubNotFound("no such hub")
    if not coordinates:
        raise NotACoordinator("only a coordinator of this hub may do this")
    require_verified_email(principal)


class HubService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = HubRepository(session)
        self.organizations = OrganizationRepository(session)
        self.identity = IdentityRepository(session)

    async def _hub(self, hub_id: uuid.UUID) -> Hub:
        hub = await self.repo.get(hub_id)
        if hub is None:
            raise HubNotFound("no such hub")
        return hub

    async def require_coordinator(self, principal: Principal, hub_id: uuid.UUID) -> None:
        """Pass if the caller coordinates the hub with a proven address: `HubNotFound` (404) for no
        such hub; hubs are public, so a non-coordinator gets 403 (`NotACoordinator`), and so does a
        coordinator whose address is not proven (`EmailUnverified`). One statement, as nearly every
        coordinator's request asks it."""
        check_coordinator(principal, *await self.repo.coordinator_standing(hub_id, principal.user_id))

    async def coordinated_hub(self, principal: Principal, hub_id: uuid.UUID) -> Hub:
        """The hub, if the caller coordinates it (`require_coordinator`)."""
        await self.require_coordinator(principal, hub_id)
        return await self._hub(hub_id)

    async def _coordinator_to_be(self, email: str, field: str) -> User:
        """The account to appoint: registered, with a proven address (`InvalidInput` naming `field`)."""
        user = await self.identity.user_by_email(email.strip())
        if user is None:
            raise InvalidInput.field(field, f"no account with e-mail {email}; register first")
        if user.email_verified_at is None:
            raise InvalidInput.field(field, f"{user.email} has not confirmed its e-mail address yet")
        return user

    def _read(self, hub: Hub, coordinated: set[uuid.UUID]) -> HubRead:
        return HubRead(
            id=hub.id,
            name=hub.name,
            jurisdictions=list(hub.jurisdictions),
            municipalities=[NamedPlace(**m) for m in hub.municipalities],
            reporting_currency=hub.reporting_currency,
            languages=list(hub.languages),
            i_coordinate=hub.id in coordinated,
            created_at=hub.created_at,
            catalogue_shows_prices=hub.catalogue_shows_prices,
        )

    async def create(self, principal: Principal, data: HubCreate) -> HubRead:
        """Create a hub (platform admins only) spanning at least two jurisdictions.

        Raises `InvalidInput` (422) for unknown codes, a municipality outside the
        hub, or a coordinator e-mail with no account or an unproven address; `Conflict`
        (409) for a taken name.
        """
        require_platform_admin(principal)
        jurisdictions: list[str] = []
        for index, code in enumerate(data.jurisdictions):
            normalised = codes.jurisdiction(code, f"jurisdictions[{index}]")
            if normalised not in jurisdictions:
                jurisdictions.append(normalised)
        if len(jurisdictions) < 2:  # noqa: PLR2004 - a hub joins at least two places
            raise InvalidInput.field("jurisdictions", "a hub spans at least two distinct jurisdictions")
        municipalities: list[dict[str, str]] = []
        for index, place in enumerate(data.municipalities):
            code = codes.jurisdiction(place.jurisdiction, f"municipalities[{index}].jurisdiction")
            if not within(jurisdictions, codes.jurisdiction_country(code), code):
                raise InvalidInput.field(
                    f"municipalities[{index}].jurisdiction", f"{code} is not inside the hub's jurisdictions"
                )
            municipalities.append(
                {"name": text.clean(place.name, f"municipalities[{index}].name"), "jurisdiction": code}
            )
        currency = codes.currency(data.reporting_currency, "reporting_currency")
        languages = codes.languages(data.languages)
        if await self.repo.by_name(text.clean(data.name, "name")) is not None:
            raise Conflict(f"a hub named {data.name.strip()!r} already exists")
        coordinators = [
            await self._coordinator_to_be(email, f"coordinator_emails[{index}]")
            for index, email in enumerate(data.coordinator_emails)
        ]
        hub = Hub(
            name=text.clean(data.name, "name"),
            jurisdictions=jurisdictions,
            municipalities=municipalities,
            reporting_currency=currency,
            languages=languages,
        )
        await self.repo.add(hub)
        read = self._read(hub, set())
        await audit.record(
            self.session, principal, "hub.created", object_type="hub", object_id=hub.id, hub_id=hub.id, after=read
        )
        for user in {u.id: u for u in coordinators}.values():
            await self.repo.add(HubCoordinator(hub_id=hub.id, user_id=user.id))
            await audit.record(
                self.session,
                principal,
                "hub.coordinator_appointed",
                object_type="hub",
                object_id=hub.id,
                hub_id=hub.id,
                after={"user_id": str(user.id), "email": user.email},
            )
        return read

    async def list_hubs(self, principal: Principal | None, page: PageParams) -> Page[HubRead]:
        """Every hub (hubs are public: `principal` None is the public, who coordinates none)."""
        hubs, total = await self.repo.page(page.offset, page.per_page)
        mine = set() if principal is None else await self.repo.coordinated_by(principal.user_id)
        return Page(items=[self._read(h, mine) for h in hubs], page=page.page, per_page=page.per_page, total=total)

    async def coordinated(self, principal: Principal) -> list[HubRead]:
        """The hubs the caller coordinates, by name."""
        mine = await self.repo.coordinated_by(principal.user_id)
        hubs = [self._read(await self._hub(hub_id), mine) for hub_id in mine]
        return sorted(hubs, key=lambda hub: hub.name)

    async def read_public(self, hub_id: uuid.UUID) -> HubRead:
        """The hub as anyone may read it (hubs are public), coordinated by nobody reading it."""
        return self._read(await self._hub(hub_id), set())

    async def read(self, principal: Principal, hub_id: uuid.UUID) -> HubRead:
        return self._read(await self._hub(hub_id), await self.repo.coordinated_by(principal.user_id))

    async def set_public_catalogue(self, principal: Principal, hub_id: uuid.UUID, data: PublicCatalogue) -> HubRead:
        """A coordinator chooses whether the hub's public catalogue preview shows prices (audited as
        `hub.public_catalogue`). Raises `HubNotFound` (404), `NotACoordinator` (403) for anyone else
        (and `EmailUnverified` for a coordinator whose address is not proven)."""
        hub = await self.coordinated_hub(principal, hub_id)
        before = {"shows_prices": hub.catalogue_shows_prices}
        hub.catalogue_shows_prices = data.shows_prices
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "hub.public_catalogue",
            object_type="hub",
            object_id=hub.id,
            hub_id=hub.id,
            before=before,
            after={"shows_prices": data.shows_prices},
        )
        return self._read(hub, {hub.id})

    # --- coordinators -----------------------------------------------------------

    async def coordinators(self, principal: Principal, hub_id: uuid.UUID) -> list[CoordinatorRead]:
        """Who coordinates the hub; e-mail addresses only for fellow coordinators and platform admins."""
        await self._hub(hub_id)
        insider = principal.is_platform_admin or await self.repo.is_coordinator(hub_id, principal.user_id)
        return [
            CoordinatorRead(user_id=u.id, email=u.email if insider else None, full_name=u.full_name, since=c.created_at)
            for c, u in await self.repo.coordinators(hub_id)
        ]

    async def appoint(self, principal: Principal, hub_id: uuid.UUID, email: str) -> CoordinatorRead:
        """Appoint a registered user with a proven address as coordinator (by a coordinator or a
        platform admin); `InvalidInput` (422) naming `email` otherwise."""
        if not principal.is_platform_admin:
            await self.require_coordinator(principal, hub_id)
        else:
            await self._hub(hub_id)
        user = await self._coordinator_to_be(email, "email")
        if await self.repo.is_coordinator(hub_id, user.id):
            raise Conflict(f"{user.email} already coordinates this hub")
        coordinator = HubCoordinator(hub_id=hub_id, user_id=user.id)
        await self.repo.add(coordinator)
        await audit.record(
            self.session,
            principal,
            "hub.coordinator_appointed",
            object_type="hub",
            object_id=hub_id,
            hub_id=hub_id,
            after={"user_id": str(user.id), "email": user.email},
        )
        return CoordinatorRead(
            user_id=user.id, email=user.email, full_name=user.full_name, since=coordinator.created_at
        )

    async def dismiss(self, principal: Principal, hub_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Remove a coordinator; a hub keeps at least one (409)."""
        if not principal.is_platform_admin:
            await self.require_coordinator(principal, hub_id)
        await self.repo.get(hub_id, for_update=True)  # serialise dismissals: never zero coordinators
        current = {c.user_id: c for c, _ in await self.repo.coordinators(hub_id)}
        if user_id not in current:
            raise NotFound("no such coordinator")
        if len(current) <= 1:
            raise Conflict("a hub keeps at least one coordinator")
        await self.session.delete(current[user_id])
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "hub.coordinator_dismissed",
            object_type="hub",
            object_id=hub_id,
            hub_id=hub_id,
            before={"user_id": str(user_id)},
        )

    # --- membership of organisations ---------------------------------------------

    async def apply(self, principal: Principal, hub_id: uuid.UUID, data: HubApplication) -> HubMembershipRead:
        """An organisation's owner or admin asks to join a hub its seat lies in.

        Raises `OutsideHub` (422) when the organisation is not located in any of the
        hub's jurisdictions and `Conflict` (409) when it is already pending or admitted.
        `OrganizationApplied` tells the hub's coordinators.
        """
        hub = await self._hub(hub_id)
        await OrganizationService(self.session).require_role(principal, data.organization_id, Role.admin)
        organization = await self.organizations.get(data.organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        if not within(list(hub.jurisdictions), organization.country, organization.subdivision):
            raise OutsideHub.field(
                "organization_id",
                f"{organization.legal_name} is in {organization.subdivision or organization.country}, "
                f"outside the hub's jurisdictions {', '.join(hub.jurisdictions)}",
            )
        membership = await self.repo.membership(hub_id, organization.id)
        if membership is not None and membership.status is not HubMembershipStatus.rejected:
            raise Conflict(f"the organization is already {membership.status.value} in this hub")
        if membership is None:
            membership = HubMembership(
                hub_id=hub_id, organization_id=organization.id, status=HubMembershipStatus.pending, note=data.note
            )
            await self.repo.add(membership)
        else:
            membership.status, membership.note = HubMembershipStatus.pending, data.note
            membership.decided_at = membership.decided_by = None
            await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "hub.membership_requested",
            object_type="hub_membership",
            object_id=membership.id,
            hub_id=hub_id,
            organization_id=organization.id,
            after={"status": membership.status.value},
        )
        await emit(self.session, OrganizationApplied(hub_id=hub_id, organization_id=organization.id))
        return _membership_read(membership, organization)

    async def decide(
        self, principal: Principal, hub_id: uuid.UUID, organization_id: uuid.UUID, *, admit: bool, note: str | None
    ) -> HubMembershipRead:
        """A coordinator admits or rejects an application (or suspends an admitted member by rejecting).

        Rejecting says why (`note`, shown to the organisation): `InvalidInput` (422) naming `note`
        without one. Raises `NotACoordinator` (403), `NotFound` (404) when the organisation has not
        applied, `Conflict` (409) when it already is in the state decided.
        """
        await self.require_coordinator(principal, hub_id)
        if not admit and not (note or "").strip():
            raise InvalidInput.field("note", "say why the organization is not admitted")
        note = note.strip() if note is not None else None
        membership = await self.repo.membership(hub_id, organization_id)
        organization = await self.organizations.get(organization_id)
        if membership is None or organization is None:
            raise NotFound("this organization has not applied to this hub")
        target = HubMembershipStatus.admitted if admit else HubMembershipStatus.rejected
        if membership.status is target:
            raise Conflict(f"the organization is already {target.value}")
        before = membership.status.value
        membership.status = target
        membership.decided_by = principal.user_id
        membership.decided_at = clock.now()
        if note is not None:
            membership.note = note
        if not admit:
            # A hub that turns an organisation away no longer vouches for it.
            await self.repo.withdraw_verifications(hub_id, organization_id)
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            f"hub.membership_{target.value}",
            object_type="hub_membership",
            object_id=membership.id,
            hub_id=hub_id,
            organization_id=organization_id,
            before={"status": before},
            after={"status": target.value, "note": note},
        )
        event = OrganizationAdmitted if admit else OrganizationRejected
        await emit(self.session, event(hub_id=hub_id, organization_id=organization_id))
        return _membership_read(membership, organization)

    async def set_invoice_terms(
        self, principal: Principal, hub_id: uuid.UUID, organization_id: uuid.UUID, data: InvoiceTerms
    ) -> HubMembershipRead:
        """A coordinator sets how many days an admitted buyer has to pay invoices (null: no invoices)."""
        await self.require_coordinator(principal, hub_id)
        membership = await self.repo.membership(hub_id, organization_id)
        organization = await self.organizations.get(organization_id)
        if membership is None or organization is None or membership.status is not HubMembershipStatus.admitted:
            raise NotFound("this organization is not a member of this hub")
        before = {"invoice_net_days": membership.invoice_net_days}
        membership.invoice_net_days = data.net_days
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "hub.invoice_terms",
            object_type="hub_membership",
            object_id=membership.id,
            hub_id=hub_id,
            organization_id=organization_id,
            before=before,
            after={"invoice_net_days": data.net_days},
        )
        return _membership_read(membership, organization)

    async def membership(
        self, principal: Principal, hub_id: uuid.UUID, organization_id: uuid.UUID
    ) -> HubMembershipRead:
        """One organisation's application or membership, as the hub's coordinators read it (a
        rejected one too: the hub keeps its decision). `NotFound` (404) when it never applied."""
        await self.require_coordinator(principal, hub_id)
        membership = await self.repo.membership(hub_id, organization_id, lock=False)
        organization = await self.organizations.get(organization_id)
        if membership is None or organization is None:
            raise NotFound("this organization has not applied to this hub")
        return _membership_read(membership, organization)

    async def members(
        self, principal: Principal, hub_id: uuid.UUID, status: HubMembershipStatus | None, page: PageParams
    ) -> Page[HubMemberRead]:
        """As `memberships`, each with the organisation's declared and verified inclusion attributes
        (not for those the hub rejected); two reads."""
        listed = await self.memberships(principal, hub_id, status, page)
        readable = [m.organization_id for m in listed.items if m.status is not HubMembershipStatus.rejected]
        inclusion = await self.organizations.inclusion_of(readable)
        items = [
            HubMemberRead(
                **msgspec.structs.asdict(m),
                inclusion=inclusion_read(inclusion[m.organization_id]) if m.organization_id in inclusion else None,
            )
            for m in listed.items
        ]
        return Page(items=items, page=listed.page, per_page=listed.per_page, total=listed.total)

    async def memberships(
        self, principal: Principal, hub_id: uuid.UUID, status: HubMembershipStatus | None, page: PageParams
    ) -> Page[HubMembershipRead]:
        await self.require_coordinator(principal, hub_id)
        rows, total = await self.repo.memberships(hub_id, status, page.offset, page.per_page)
        return Page(
            items=[_membership_read(m, o) for m, o in rows], page=page.page, per_page=page.per_page, total=total
        )

    # --- inclusion verification -------------------------------------------------

    async def verify_inclusion(
        self,
        principal: Principal,
        hub_id: uuid.UUID,
        organization_id: uuid.UUID,
        attribute: InclusionAttribute,
        verified: bool,
        evidence: str | None = None,
        *,
        evidence_required: bool = False,
    ) -> InclusionVerificationRead:
        """A coordinator of a hub the organisation is admitted to verifies (or withdraws) a declared
        attribute, noting the evidence seen (`evidence`, kept with the verification). The pages ask for
        the evidence of every verification (`evidence_required`); the API keeps it optional for
        clients written before it was asked. Verifying ends this hub's refusal of it, if any.

        Raises `NotACoordinator` (403) for anyone else, `NotFound` (404) when the
        organisation is not admitted to this hub, `InvalidInput` (422) when the
        attribute is not declared (or the evidence is required and not given), `Conflict` (409)
        when another hub verified it.
        """
        row = await self._declared(principal, hub_id, organization_id, attribute)
        seen = (evidence or "").strip() or None
        if verified and evidence_required and seen is None:
            raise InvalidInput.field("evidence", "say what you saw that shows the declaration is true")
        before = _verification(row)
        row.verified = verified
        row.verified_by_hub_id = hub_id if verified else None
        row.verified_by_user_id = principal.user_id if verified else None
        row.verified_at = clock.now() if verified else None
        row.verification_evidence = seen if verified else None
        if verified and (refusal := await self.repo.refusal(hub_id, organization_id, attribute)) is not None:
            await self.session.delete(refusal)
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "organization.inclusion_verified" if verified else "organization.inclusion_unverified",
            object_type="organization",
            object_id=organization_id,
            hub_id=hub_id,
            organization_id=organization_id,
            before=before,
            after={"attribute": attribute.value, "verified": verified, "evidence": row.verification_evidence},
        )
        await emit(
            self.session,
            InclusionVerificationChanged(
                hub_id=hub_id, organization_id=organization_id, attribute=attribute.value, verified=verified
            ),
        )
        return _verification_read(row, refused=False)

    async def refuse_inclusion(
        self,
        principal: Principal,
        hub_id: uuid.UUID,
        organization_id: uuid.UUID,
        attribute: InclusionAttribute,
        reason: str,
    ) -> InclusionVerificationRead:
        """A coordinator of a hub the organisation is admitted to refuses to verify a declared
        attribute, saying why (`reason`, for the hub's record): the hub's work queue no longer lists
        it, until the declaration changes. This hub's own verification of it is withdrawn (and the
        organisation told); the declaration stays, and another hub may still verify it.

        Raises as `verify_inclusion`, and `InvalidInput` (422) naming `reason` without one (after
        checking who may refuse it: a non-coordinator learns nothing about the input).
        """
        row = await self._declared(principal, hub_id, organization_id, attribute)
        if not reason.strip():
            raise InvalidInput.field("reason", "say why the declaration is not verified")
        before = _verification(row)
        withdrawn = row.verified
        row.verified, row.verified_by_hub_id, row.verified_by_user_id = False, None, None
        row.verified_at, row.verification_evidence = None, None
        refusal = await self.repo.refusal(hub_id, organization_id, attribute)
        if refusal is None:
            refusal = InclusionRefusal(
                hub_id=hub_id,
                organization_id=organization_id,
                attribute=attribute,
                reason="",
                refused_by=principal.user_id,
            )
            self.session.add(refusal)
        refusal.reason, refusal.refused_by = reason.strip(), principal.user_id
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "organization.inclusion_refused",
            object_type="organization",
            object_id=organization_id,
            hub_id=hub_id,
            organization_id=organization_id,
            before=before,
            after={"attribute": attribute.value, "verified": False, "reason": refusal.reason},
        )
        if withdrawn:
            await emit(
                self.session,
                InclusionVerificationChanged(
                    hub_id=hub_id, organization_id=organization_id, attribute=attribute.value, verified=False
                ),
            )
        return _verification_read(row, refused=True)

    async def _declared(
        self, principal: Principal, hub_id: uuid.UUID, organization_id: uuid.UUID, attribute: InclusionAttribute
    ) -> Inclusion:
        """The declared attribute's row, for a coordinator of a hub the organisation is admitted to,
        when no other hub verified it (raises as `verify_inclusion`)."""
        await self.require_coordinator(principal, hub_id)
        membership = await self.repo.membership(hub_id, organization_id)
        if membership is None or membership.status is not HubMembershipStatus.admitted:
            raise NotFound("the organization is not admitted to this hub")
        row = await self.organizations.inclusion_row(organization_id, attribute.value)
        if row is None or not row.declared:
            raise InvalidInput.field("attribute", f"the organization has not declared itself {attribute.value}")
        if row.verified and row.verified_by_hub_id != hub_id:
            # One hub may not overturn (or take over) what another hub verified.
            raise Conflict(f"{attribute.value} is already verified by another hub; only that hub can change it")
        return row

    async def refusals(
        self, principal: Principal, hub_id: uuid.UUID, organization_id: uuid.UUID
    ) -> list[InclusionRefusalRead]:
        """The declarations of the organisation this hub refused to verify, and why (its coordinators)."""
        await self.require_coordinator(principal, hub_id)
        return [
            InclusionRefusalRead(
                organization_id=r.organization_id,
                attribute=r.attribute,
                hub_id=r.hub_id,
                reason=r.reason,
                refused_at=r.updated_at,
            )
            for r in await self.repo.refusals(hub_id, organization_id)
        ]

    async def declarations_to_verify(self, principal: Principal, hub_id: uuid.UUID) -> list[DeclarationToVerify]:
        """The hub's work: declared inclusion attributes of its admitted organisations that no hub
        verified and this one did not refuse, by organisation name (its coordinators; one read)."""
        await self.require_coordinator(principal, hub_id)
        return [
            DeclarationToVerify(organization_id=row.organization_id, organization_name=name, attribute=row.attribute)
            for row, name in await self.repo.declarations_to_verify(hub_id)
        ]

    # --- audit ------------------------------------------------------------------

    async def audit_log(self, principal: Principal, hub_id: uuid.UUID, page: PageParams) -> Page[AuditEntryRead]:
        await self.require_coordinator(principal, hub_id)
        entries, total = await self.repo.audit_page(hub_id, page.offset, page.per_page)
        return Page(items=[_audit_read(e) for e in entries], page=page.page, per_page=page.per_page, total=total)


def _membership_read(membership: HubMembership, organization: Organization) -> HubMembershipRead:
    return HubMembershipRead(
        hub_id=membership.hub_id,
        organization_id=organization.id,
        organization_name=organization.legal_name,
        organization_kind=organization.kind.value,
        country=organization.country,
        subdivision=organization.subdivision,
        status=membership.status,
        note=membership.note,
        invoice_net_days=membership.invoice_net_days,
        applied_at=membership.created_at,
        decided_at=membership.decided_at,
        municipality=organization.municipality,
    )


def _verification(row: Inclusion) -> dict[str, object]:
    return {
        "verified": row.verified,
        "verified_by_hub_id": str(row.verified_by_hub_id) if row.verified_by_hub_id else None,
    }


def _verification_read(row: Inclusion, *, refused: bool) -> InclusionVerificationRead:
    return InclusionVerificationRead(
        organization_id=row.organization_id,
        attribute=row.attribute,
        declared=row.declared,
        verified_by_hub=row.verified,
        verified_by_hub_id=row.verified_by_hub_id,
        verified_at=row.verified_at,
        evidence=row.verification_evidence,
        refused=refused,
    )


def _audit_read(entry: AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(
        id=entry.id,
        at=entry.created_at,
        actor_id=entry.actor_id,
        actor_email=entry.actor_email,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        organization_id=entry.organization_id,
        hub_id=entry.hub_id,
        before=entry.before,
        after=entry.after,
        request_id=entry.request_id,
    )
