"""The loyalty use cases. Each mutating one is one transaction: the award or revoke, the customer's
account, its outbox event, its audit row (for revokes) and its stored idempotent reply commit together.

Business failures become :class:`Rejection` with stable codes:

=====================  ======  ================================================================
code                   status  meaning
=====================  ======  ================================================================
``AWARD_CONFLICT``     409     the checkout was already awarded for another customer, order or
                               amount
``AWARD_REVOKED``      409     the checkout's points were revoked, or a revoke came before any
                               award: it is not awarded (again)
``AWARD_NOT_FOUND``    404     no award for that checkout (reads only)
=====================  ======  ================================================================

Calls come from a Kafka consumer, so they may repeat, come late or come out of order; whatever the
order, a checkout's points are credited at most once and revoked at most once, and an award never
follows its revoke.
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.loyalty.domain import model
from services.loyalty.domain.errors import AwardAlreadyRevoked, AwardConflict
from services.loyalty.domain.events import PointsAwarded, PointsRevoked
from services.loyalty.domain.model import Account, Award, AwardStatus, PointsRule, Tombstone
from services.loyalty.service_layer.commands import AwardPoints, RevokePoints
from services.loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork
from services.loyalty.service_layer.views import AccountView, AwardView, RevokeView, body

UnitOfWorkFactory = Callable[..., LoyaltyUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

AWARD_CONFLICT = "AWARD_CONFLICT"
AWARD_REVOKED = "AWARD_REVOKED"
AWARD_NOT_FOUND = "AWARD_NOT_FOUND"

REVOKE_ACTION = "loyalty.revoke_points"


def award(
    open_uow: UnitOfWorkFactory, command: AwardPoints, rule: PointsRule, request: IdempotentRequest
) -> Reply:
    """Forward call: credit the purchase's points to the customer (201 with the award).

    At most once per checkout, whatever the idempotency key: a repeat for the same checkout answers
    200 with the existing award, or 409 when it names another purchase or the points were revoked.
    """

    def operation(uow: LoyaltyUnitOfWork) -> Reply:
        existing = uow.awards.get(command.checkout_id, lock=True)
        if existing is not None:
            try:
                repeated = model.check_repeat(existing, command.purchase)
            except AwardAlreadyRevoked as error:
                raise Rejection(409, AWARD_REVOKED, "Points already revoked", str(error)) from error
            except AwardConflict as error:
                raise Rejection(
                    409, AWARD_CONFLICT, "Checkout awarded for another purchase", str(error)
                ) from error
            return Reply(200, body(AwardView.of(repeated)))
        granted = Award.grant(command.checkout_id, command.purchase, rule, utc_now())
        uow.awards.add(granted)
        account = uow.accounts.lock(command.purchase.customer_id)
        model.credit(account, granted)
        uow.accounts.save(account)
        uow.outbox.add(PointsAwarded(granted))
        return Reply(201, body(AwardView.of(granted)))

    return run_idempotently(open_uow, request, operation)


def revoke(open_uow: UnitOfWorkFactory, command: RevokePoints, request: IdempotentRequest) -> Reply:
    """Compensation: take back the checkout's points. Always 200; ``outcome`` tells what happened.

    Needs only the checkout id. Revoking a checkout never awarded records
    ``NOOP_NOTHING_TO_COMPENSATE`` and leaves a tombstone, so an award arriving late (an
    ``OrderCreated`` overtaken by its ``OrderCancelled``) is refused instead of crediting points that
    nothing would ever take back. Every revoke, effective or not, writes an audit row correlated by the
    checkout id.
    """

    def operation(uow: LoyaltyUnitOfWork) -> Reply:
        found = uow.awards.get(command.checkout_id, lock=True)
        points = 0
        if found is None:
            uow.awards.add(Tombstone(command.checkout_id, utc_now()))
            outcome = AuditOutcome.NOOP_NOTHING_TO_COMPENSATE
        elif isinstance(found, Tombstone) or found.status is AwardStatus.REVOKED:
            outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        else:
            account = uow.accounts.lock(found.purchase.customer_id)
            points = model.revoke(found, account, utc_now())
            uow.accounts.save(account)
            uow.awards.save(found)
            uow.outbox.add(PointsRevoked(found))
            outcome = AuditOutcome.COMPENSATED
        view = RevokeView(outcome=outcome, checkout_id=command.checkout_id, points_revoked=points)
        uow.audit.record(
            command.checkout_id,
            REVOKE_ACTION,
            outcome,
            {"idempotency_key": request.key, "points_revoked": points},
        )
        return Reply(200, body(view))

    return run_idempotently(open_uow, request, operation)


def get_award(open_uow: UnitOfWorkFactory, checkout_id: str) -> AwardView:
    with open_uow(read_only=True) as uow:
        found = uow.awards.get(checkout_id)
    if found is None:
        raise NotFound(AWARD_NOT_FOUND, "Award not found", f"checkout {checkout_id} earned no points")
    if isinstance(found, Tombstone):
        raise NotFound(
            AWARD_NOT_FOUND,
            "Award not found",
            f"checkout {checkout_id} was revoked before any award; none will be made",
        )
    return AwardView.of(found)


def get_account(open_uow: UnitOfWorkFactory, customer_id: str) -> AccountView:
    """A customer's points; one who never earned any has an account of zeros."""
    with open_uow(read_only=True) as uow:
        account = uow.accounts.get(customer_id)
    return AccountView.of(account or Account(customer_id))
