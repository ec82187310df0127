from litestar import Controller


class PlaceController(Controller):
    path = "/api/v1/places"
