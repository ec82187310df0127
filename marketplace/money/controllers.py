from litestar import Controller


class FxController(Controller):
    path = "/api/v1/fx"
