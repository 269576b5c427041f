import openbadges


def test_all_is_the_sorted_public_surface() -> None:
    public = {name for name in dir(openbadges) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(openbadges, name)).__name__ == "module"}

    assert set(openbadges.__all__) == public - modules
    assert openbadges.__all__ == sorted(openbadges.__all__, key=lambda n: (not n.isupper(), n))
