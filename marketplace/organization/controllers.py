from litestar import Controller


class OrganizationController(Controller):
    path = "/api/v1/organizations"


class InvitationController(Controller):
    path = "/api/v1/invitations"
