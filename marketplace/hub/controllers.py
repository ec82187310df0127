from litestar import Controller


class HubController(Controller):
    path = "/api/v1/hubs"
