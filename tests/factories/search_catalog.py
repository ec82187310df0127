"""A fixed catalog of search documents for the engine contract tests: no database, no HTTP.

About 35 products, each written naturally in eight languages (en, de, fr, pl, ru, el, es,
it), offered by 22 producers from ten countries. Every product has at least one listing
whose text is in each language, and most listings are written in only one or two
languages, so "listings in the query's language first" can be checked. Everything is
derived from the listing's number, so the catalog is the same on every run; tests compute
what they expect from these documents in Python.
"""

# Russian and Greek text is written in its own script; letters that look Latin are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from marketplace.api import ListingText
from search.document import SearchDocument, words


def folded_words(text: str) -> list[str]:
    """Words without accents (`Käse` -> `kase`), to compare forms as the engines do."""
    decomposed = unicodedata.normalize("NFKD", text)
    return words("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


NAMESPACE = uuid.UUID("6f1c2b0e-5d4a-4e8b-9c3f-2a7d1e0b9c55")
LANGUAGES = ("en", "de", "fr", "pl", "ru", "el", "es", "it")
LISTINGS_PER_PRODUCT = 9
#: The jurisdictions of the (cross-border Neisse) hubs that listings may be eligible in.
HUB_JURISDICTIONS = ("CZ-51", "DE-SN", "PL-02")
#: Currency -> units per euro (the reference currency): price_ref = unit_price / rate.
RATES = {"EUR": Decimal(1), "PLN": Decimal("4.25"), "CZK": Decimal("25.0")}
FX_AS_OF = dt.date(2026, 11, 20)
_EPOCH = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Product:
    key: str
    scheme: str
    code: str
    unit: str
    price_eur: Decimal
    """Typical price per unit in euro; listings vary around it."""
    texts: dict[str, tuple[str, str]]
    """Language -> (title, description)."""


@dataclass(frozen=True)
class Producer:
    key: str
    name: str
    country: str
    subdivision: str | None
    currency: str
    inclusion: tuple[str, ...]
    languages: tuple[str, ...]
    """The languages the producer writes listings in."""

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"producer/{self.key}")


def _p(key: str, scheme: str, code: str, unit: str, price: str, **texts: tuple[str, str]) -> Product:
    assert set(texts) == set(LANGUAGES), key
    return Product(key, scheme, code, unit, Decimal(price), texts)


PRODUCTS: tuple[Product, ...] = (
    _p(
        "linden_honey", "CPV", "03142100-9", "KGM", "12.00",
        en=("Linden honey", "Light, fragrant honey from the blossoms of old linden trees."),
        de=("Lindenhonig", "Heller, duftender Honig aus den Blüten alter Linden."),
        fr=("Miel de tilleul", "Miel clair et parfumé, récolté sur les fleurs des vieux tilleuls."),
        pl=("Miód lipowy", "Jasny, aromatyczny miód z kwiatów starych lip."),
        ru=("Липовый мёд", "Светлый ароматный мёд с цветов старых лип."),
        el=("Μέλι φλαμουριάς", "Ανοιχτόχρωμο, αρωματικό μέλι από τα άνθη γέρικων φλαμουριών."),
        es=("Miel de tilo", "Miel clara y aromática de las flores de tilos centenarios."),
        it=("Miele di tiglio", "Miele chiaro e profumato dai fiori di vecchi tigli."),
    ),
    _p(
        "buckwheat_honey", "CPV", "03142100-9", "KGM", "14.00",
        en=("Buckwheat honey", "Dark, strong honey with a malty taste, rich in minerals."),
        de=("Buchweizenhonig", "Dunkler, kräftiger Honig mit malzigem Geschmack."),
        fr=("Miel de sarrasin", "Miel foncé et corsé au goût malté, riche en minéraux."),
        pl=("Miód gryczany", "Ciemny, wyrazisty miód o słodowym smaku, bogaty w minerały."),
        ru=("Гречишный мёд", "Тёмный густой мёд с солодовым вкусом."),
        el=("Μέλι φαγόπυρου", "Σκούρο, έντονο μέλι με γεύση βύνης."),
        es=("Miel de alforfón", "Miel oscura e intensa con sabor a malta."),
        it=("Miele di grano saraceno", "Miele scuro e deciso dal sapore maltato."),
    ),
    _p(
        "wildflower_honey", "HS", "040900", "KGM", "10.50",
        en=("Wildflower honey", "Summer honey from meadows of clover, thyme and lavender."),
        de=("Blütenhonig", "Sommerhonig von Wiesen mit Klee, Thymian und Lavendel."),
        fr=("Miel toutes fleurs", "Miel d'été des prairies de trèfle, de thym et de lavande."),
        pl=("Miód wielokwiatowy", "Letni miód z łąk pełnych koniczyny, tymianku i lawendy."),
        ru=("Цветочный мёд", "Летний мёд с лугов, где растут клевер, чабрец и лаванда."),
        el=("Ανθόμελο", "Καλοκαιρινό μέλι από λιβάδια με τριφύλλι, θυμάρι και λεβάντα."),
        es=("Miel de mil flores", "Miel de verano de prados con trébol, tomillo y lavanda."),
        it=("Miele millefiori", "Miele estivo di prati con trifoglio, timo e lavanda."),
    ),
    _p(
        "tomatoes", "HS", "070200", "KGM", "3.20",
        en=("Vine tomatoes", "Ripe red tomatoes, picked by hand and sold on the vine."),
        de=("Tomaten vom Strauch", "Reife rote Tomaten, von Hand gepflückt."),
        fr=("Tomates en grappe", "Tomates rouges bien mûres, cueillies à la main."),
        pl=("Pomidory malinowe", "Dojrzałe, słodkie pomidory zbierane ręcznie."),
        ru=("Помидоры с грядки", "Спелые красные помидоры, собранные вручную."),
        el=("Φρέσκες ντομάτες", "Ώριμες κόκκινες ντομάτες, μαζεμένες με το χέρι."),
        es=("Tomates en rama", "Tomates rojos y maduros, recogidos a mano."),
        it=("Pomodori a grappolo", "Pomodori rossi e maturi, raccolti a mano."),
    ),
    _p(
        "tomato_passata", "CPV", "15331425-2", "LTR", "4.10",
        en=("Tomato passata", "Smooth sieved sauce, bottled in glass without additives."),
        de=("Passierte Tomaten", "Fein passierte Soße im Glas, ohne Zusatzstoffe."),
        fr=("Coulis de tomates", "Sauce tamisée, mise en bouteille sans additifs."),
        pl=("Passata pomidorowa", "Gładki przecier w szklanej butelce, bez dodatków."),
        ru=("Протёртые томаты", "Однородный соус в стеклянной бутылке без добавок."),
        el=("Πασσάτα ντομάτας", "Λείος περασμένος χυμός ντομάτας σε γυάλινο μπουκάλι."),
        es=("Tomate triturado", "Salsa fina envasada en vidrio, sin aditivos."),
        it=("Passata di pomodoro", "Salsa liscia in bottiglia di vetro, senza additivi."),
    ),
    _p(
        "apples", "CPV", "03222321-9", "KGM", "2.40",
        en=("Crisp apples", "Sweet and sour orchard apples, a mix of Reinette and Boskoop."),
        de=("Knackige Äpfel", "Süßsaure Äpfel aus dem Obstgarten, Sorten Renette und Boskoop."),
        fr=("Pommes Reinette", "Pommes croquantes du verger, acidulées et sucrées."),
        pl=("Jabłka z sadu", "Chrupiące, słodko-kwaśne jabłka odmiany szara reneta."),
        ru=("Яблоки антоновка", "Хрустящие кисло-сладкие яблоки из старого сада."),
        el=("Τραγανά μήλα", "Γλυκόξινα μήλα από τον οπωρώνα μας."),
        es=("Manzanas crujientes", "Manzanas agridulces de nuestro huerto."),
        it=("Mele croccanti", "Mele agrodolci del frutteto, varietà Renetta."),
    ),
    _p(
        "apple_juice", "CPV", "15321000-4", "LTR", "3.00",
        en=("Cloudy apple juice", "Cold-pressed from whole fruit, with no added sugar."),
        de=("Naturtrüber Apfelsaft", "Kaltgepresst aus ganzen Früchten, ohne Zuckerzusatz."),
        fr=("Jus de pomme", "Pressé à froid, sans sucre ajouté."),
        pl=("Sok jabłkowy tłoczony", "Tłoczony na zimno z całych owoców, bez dodatku cukru."),
        ru=("Яблочный сок прямого отжима", "Холодный отжим из целых плодов, без добавления сахара."),
        el=("Χυμός μήλου", "Ψυχρής έκθλιψης από ολόκληρα φρούτα, χωρίς προσθήκη ζάχαρης."),
        es=("Zumo de manzana", "Prensado en frío, sin azúcar añadido."),
        it=("Succo di mela torbido", "Spremuto a freddo, senza zuccheri aggiunti."),
    ),
    _p(
        "coffee", "CPV", "15861000-1", "KGM", "24.00",
        en=("Roasted coffee beans", "Arabica beans, roasted in small batches."),
        de=("Geröstete Kaffeebohnen", "Arabica-Bohnen, in kleinen Chargen geröstet."),
        fr=("Café torréfié en grains", "Grains d'arabica torréfiés artisanalement en petites quantités."),
        pl=("Kawa ziarnista palona", "Ziarna arabiki palone w małych partiach."),
        ru=("Кофе в зёрнах", "Зёрна арабики, обжаренные небольшими партиями."),
        el=("Καβουρδισμένος καφές", "Κόκκοι αράμπικα, καβουρδισμένοι σε μικρές παρτίδες."),
        es=("Café en grano tostado", "Granos de arábica tostados en pequeños lotes."),
        it=("Caffè in grani", "Chicchi di arabica tostati in piccoli lotti."),
    ),
    _p(
        "cheese", "CPV", "15544000-3", "KGM", "18.00",
        en=("Mature farmhouse cheese", "Raw-milk cheese aged for twelve months in a cellar."),
        de=("Würziger Käse aus Rohmilch", "Zwölf Monate im Keller gereifter Käse."),
        fr=("Fromage fermier affiné", "Fromage au lait cru affiné douze mois en cave."),
        pl=("Ser dojrzewający", "Ser z mleka niepasteryzowanego, dojrzewający dwanaście miesięcy."),
        ru=("Выдержанный сыр", "Сыр из сырого молока, выдержанный двенадцать месяцев в погребе."),
        el=("Ώριμο τυρί", "Τυρί από νωπό γάλα, ωριμασμένο δώδεκα μήνες σε κελάρι."),
        es=("Queso curado", "Queso de leche cruda curado doce meses en bodega."),
        it=("Formaggio stagionato", "Formaggio a latte crudo stagionato dodici mesi in cantina."),
    ),
    _p(
        "goat_cheese", "HS", "040690", "KGM", "16.00",
        en=("Fresh goat cheese", "Soft goat milk cheese with herbs."),
        de=("Frischer Ziegenkäse", "Weicher Käse aus Ziegenmilch mit Kräutern."),
        fr=("Chèvre frais", "Fromage de chèvre frais aux herbes."),
        pl=("Kozi ser twarogowy", "Miękki ser z mleka koziego z ziołami."),
        ru=("Свежий козий сыр", "Мягкий сыр из козьего молока с травами."),
        el=("Φρέσκο κατσικίσιο τυρί", "Μαλακό τυρί από κατσικίσιο γάλα με μυρωδικά."),
        es=("Queso fresco de cabra", "Queso tierno de leche de cabra con hierbas."),
        it=("Caprino fresco", "Formaggio morbido di latte di capra alle erbe."),
    ),
    _p(
        "rye_bread", "CPV", "15811100-7", "H87", "4.50",
        en=("Sourdough rye bread", "Baked in a wood-fired oven from stone-ground rye flour."),
        de=("Roggenbrot mit Sauerteig", "Im Holzofen gebacken aus steingemahlenem Roggenmehl."),
        fr=("Pain de seigle au levain", "Cuit au feu de bois, à base de farine de seigle moulue sur pierre."),
        pl=("Chleb żytni na zakwasie", "Pieczony w piecu opalanym drewnem z mąki żytniej."),
        ru=("Ржаной хлеб на закваске", "Выпечен в дровяной печи из ржаной муки."),
        el=("Ψωμί σίκαλης με προζύμι", "Ψημένο σε ξυλόφουρνο από αλεύρι σίκαλης."),
        es=("Pan de centeno de masa madre", "Horneado en horno de leña con harina de centeno molida a la piedra."),
        it=("Pane di segale a lievito madre", "Cotto nel forno a legna con farina di segale macinata a pietra."),
    ),
    _p(
        "red_wine", "HS", "220421", "H87", "15.00",
        en=("Dry red wine", "Pinot noir from south-facing slopes, aged in oak."),
        de=("Trockener Rotwein", "Spätburgunder von Südhängen, im Eichenfass gereift."),
        fr=("Vin rouge sec", "Pinot noir des coteaux exposés au sud, élevé en fût de chêne."),
        pl=("Wytrawne czerwone wino", "Pinot noir z południowych stoków, leżakowane w dębie."),
        ru=("Сухое красное вино", "Пино нуар с южных склонов, выдержанное в дубе."),
        el=("Ξηρό κόκκινο κρασί", "Πινό νουάρ από νότιες πλαγιές, παλαιωμένο σε δρύινο βαρέλι."),
        es=("Vino tinto seco", "Pinot noir de laderas orientadas al sur, criado en roble."),
        it=("Vino rosso secco", "Pinot nero di pendii esposti a sud, affinato in rovere."),
    ),
    _p(
        "potatoes", "CPV", "03212100-1", "KGM", "1.20",
        en=("Waxy potatoes", "Yellow salad potatoes from sandy soil, washed."),
        de=("Festkochende Kartoffeln", "Gelbe Salatkartoffeln vom Sandboden, gewaschen."),
        fr=("Pommes de terre à chair ferme", "Pommes de terre lavées, idéales en salade."),
        pl=("Ziemniaki sałatkowe", "Żółte ziemniaki z piaszczystej gleby, myte."),
        ru=("Молодой картофель", "Жёлтый картофель с песчаной почвы, мытый."),
        el=("Φρέσκες πατάτες", "Κίτρινες πατάτες για σαλάτα, πλυμένες."),
        es=("Patatas para ensalada", "Patatas amarillas de suelo arenoso, lavadas."),
        it=("Patate a pasta soda", "Patate gialle da terreno sabbioso, lavate."),
    ),
    _p(
        "plums", "HS", "080940", "KGM", "2.80",
        en=("Sweet plums", "Dark blue plums, ripe and ready for baking."),
        de=("Zwetschgen", "Dunkelblaue, reife Pflaumen, ideal zum Backen."),
        fr=("Prunes quetsches", "Prunes bleu foncé, mûres, parfaites pour les tartes."),
        pl=("Śliwki węgierki", "Dojrzałe, ciemnoniebieskie śliwki, idealne do ciasta."),
        ru=("Сливы венгерка", "Спелые тёмно-синие сливы для выпечки."),
        el=("Γλυκά δαμάσκηνα", "Ώριμα σκούρα μπλε δαμάσκηνα, ιδανικά για γλυκά."),
        es=("Ciruelas dulces", "Ciruelas azul oscuro, maduras, ideales para repostería."),
        it=("Prugne dolci", "Prugne blu scuro, mature, ideali per le torte."),
    ),
    _p(
        "plum_jam", "CPV", "15332290-3", "KGM", "7.50",
        en=("Plum jam", "Thick spread of slow-cooked plums, no added sugar."),
        de=("Pflaumenmus", "Langsam eingekochtes Mus aus Zwetschgen, ohne Zuckerzusatz."),
        fr=("Confiture de prunes", "Prunes cuites lentement, sans sucre ajouté."),
        pl=("Powidła śliwkowe", "Gęste powidła z węgierek smażone bez cukru."),
        ru=("Сливовое повидло", "Густое повидло из слив, уваренное без сахара."),
        el=("Μαρμελάδα δαμάσκηνο", "Πηχτή μαρμελάδα από δαμάσκηνα, χωρίς προσθήκη ζάχαρης."),
        es=("Mermelada de ciruela", "Ciruelas cocidas a fuego lento, sin azúcar añadido."),
        it=("Confettura di prugne", "Prugne cotte a fuoco lento, senza zuccheri aggiunti."),
    ),
    _p(
        "strawberry_jam", "CPV", "15332290-3", "KGM", "8.00",
        en=("Strawberry jam", "Made from sun-ripened strawberries and cane sugar."),
        de=("Erdbeerkonfitüre", "Aus sonnengereiften Erdbeeren und Rohrzucker."),
        fr=("Confiture de fraises", "Fraises mûries au soleil et sucre de canne."),
        pl=("Dżem truskawkowy", "Z dojrzałych truskawek i cukru trzcinowego."),
        ru=("Клубничное варенье", "Из спелой клубники и тростникового сахара."),
        el=("Μαρμελάδα φράουλα", "Από ώριμες φράουλες και ζάχαρη από ζαχαροκάλαμο."),
        es=("Mermelada de fresa", "Con fresas maduradas al sol y azúcar de caña."),
        it=("Confettura di fragole", "Fragole maturate al sole e zucchero di canna."),
    ),
    _p(
        "eggs", "HS", "040721", "DZN", "3.60",
        en=("Free-range eggs", "Brown eggs from hens that roam outdoors."),
        de=("Eier aus Freilandhaltung", "Braune Eier von Hühnern mit Auslauf."),
        fr=("Œufs plein air", "Œufs bruns de poules élevées en plein air."),
        pl=("Jaja z wolnego wybiegu", "Brązowe jaja od kur z wolnego wybiegu."),
        ru=("Яйца от кур свободного выгула", "Коричневые яйца от кур, гуляющих на свежем воздухе."),
        el=("Αυγά ελευθέρας βοσκής", "Καφέ αυγά από κότες που βόσκουν ελεύθερες."),
        es=("Huevos camperos", "Huevos morenos de gallinas criadas al aire libre."),
        it=("Uova da allevamento all'aperto", "Uova scure di galline allevate all'aperto."),
    ),
    _p(
        "mushrooms", "CPV", "03221270-2", "KGM", "38.00",
        en=("Forest mushrooms", "Hand-picked porcini and chanterelle mushrooms, dried."),
        de=("Getrocknete Waldpilze", "Handgesammelte Steinpilze und Pfifferlinge, getrocknet."),
        fr=("Champignons des bois séchés", "Cèpes et girolles cueillis à la main, séchés."),
        pl=("Suszone grzyby leśne", "Ręcznie zbierane borowiki i kurki, suszone."),
        ru=("Сушёные лесные грибы", "Белые грибы и лисички, собранные вручную."),
        el=("Αποξηραμένα μανιτάρια", "Βασιλομανίταρα και κανθαρέλες, μαζεμένα με το χέρι."),
        es=("Setas del bosque secas", "Boletus y rebozuelos recogidos a mano, secados."),
        it=("Funghi porcini secchi", "Porcini e finferli raccolti a mano, essiccati."),
    ),
    _p(
        "black_tea", "HS", "090230", "KGM", "28.00",
        en=("Black tea", "Whole-leaf black tea from a small mountain garden."),
        de=("Schwarzer Tee", "Ganzblättriger Schwarztee aus einem kleinen Berggarten."),
        fr=("Thé noir", "Thé noir en feuilles entières d'un petit jardin de montagne."),
        pl=("Herbata czarna", "Liściasta czarna herbata z małej górskiej plantacji."),
        ru=("Чёрный чай", "Крупнолистовой чёрный чай с небольшой горной плантации."),
        el=("Μαύρο τσάι", "Μαύρο τσάι ολόκληρου φύλλου από μικρό ορεινό κήπο."),
        es=("Té negro", "Té negro de hoja entera de un pequeño jardín de montaña."),
        it=("Tè nero", "Tè nero a foglia intera da un piccolo giardino di montagna."),
    ),
    _p(
        "herbal_tea", "CPV", "15863000-5", "KGM", "22.00",
        en=("Mountain herbal tea", "A blend of mint, chamomile and lemon balm."),
        de=("Bergkräutertee", "Eine Mischung aus Minze, Kamille und Zitronenmelisse."),
        fr=("Tisane des montagnes", "Mélange de menthe, de camomille et de mélisse."),
        pl=("Herbatka ziołowa górska", "Mieszanka mięty, rumianku i melisy."),
        ru=("Горный травяной чай", "Смесь мяты, ромашки и мелиссы."),
        el=("Τσάι του βουνού", "Παραδοσιακό ρόφημα από σιδερίτη, δυόσμο και χαμομήλι."),
        es=("Infusión de hierbas de montaña", "Mezcla de menta, manzanilla y melisa."),
        it=("Tisana di erbe di montagna", "Miscela di menta, camomilla e melissa."),
    ),
    _p(
        "wool_yarn", "HS", "510910", "KGM", "45.00",
        en=("Hand-spun wool yarn", "Undyed yarn from our own sheep, spun by hand."),
        de=("Handgesponnenes Wollgarn", "Ungefärbtes Garn aus der Wolle unserer Schafe."),
        fr=("Fil de laine filé main", "Laine non teintée de nos propres moutons."),
        pl=("Włóczka z wełny owczej", "Niefarbowana wełna od naszych owiec, przędzona ręcznie."),
        ru=("Шерстяная пряжа ручного прядения", "Некрашеная шерсть наших овец."),
        el=("Μάλλινο νήμα χειροποίητο", "Άβαφο μαλλί από τα δικά μας πρόβατα."),
        es=("Hilo de lana hilado a mano", "Lana sin teñir de nuestras propias ovejas."),
        it=("Filato di lana filato a mano", "Lana non tinta delle nostre pecore."),
    ),
    _p(
        "pottery", "HS", "691200", "H87", "19.00",
        en=("Stoneware mugs", "Hand-thrown mugs with a blue salt glaze."),
        de=("Steinzeugbecher", "Handgedrehte Becher mit blauer Salzglasur."),
        fr=("Tasses en grès", "Tasses tournées à la main, émail bleu au sel."),
        pl=("Kubki z kamionki bolesławieckiej", "Ręcznie toczone kubki z niebieskim szkliwem solnym."),
        ru=("Керамические кружки", "Кружки ручной работы с синей глазурью."),
        el=("Κεραμικές κούπες", "Χειροποίητες κούπες με μπλε εφυάλωμα."),
        es=("Tazas de gres", "Tazas torneadas a mano con esmalte azul."),
        it=("Tazze in gres", "Tazze tornite a mano con smalto blu."),
    ),
    _p(
        "lavender_soap", "HS", "340111", "H87", "5.50",
        en=("Lavender soap", "Cold-process soap with lavender oil and goat milk."),
        de=("Lavendelseife", "Kaltgerührte Seife mit Lavendelöl und Ziegenmilch."),
        fr=("Savon à la lavande", "Savon saponifié à froid à l'huile de lavande et au lait de chèvre."),
        pl=("Mydło lawendowe", "Mydło wytwarzane na zimno z olejkiem lawendowym i kozim mlekiem."),
        ru=("Лавандовое мыло", "Мыло холодного способа с лавандовым маслом и козьим молоком."),
        el=("Σαπούνι λεβάντας", "Σαπούνι ψυχρής μεθόδου με έλαιο λεβάντας και κατσικίσιο γάλα."),
        es=("Jabón de lavanda", "Jabón artesanal en frío con aceite de lavanda y leche de cabra."),
        it=("Sapone alla lavanda", "Sapone a freddo con olio di lavanda e latte di capra."),
    ),
    _p(
        "olive_oil", "HS", "150910", "LTR", "11.00",
        en=("Extra virgin olive oil", "Cold-pressed from hand-picked olives."),
        de=("Natives Olivenöl extra", "Kaltgepresst aus handgepflückten Oliven."),
        fr=("Huile d'olive vierge extra", "Pressée à froid à partir d'olives cueillies à la main."),
        pl=("Oliwa z oliwek extra virgin", "Tłoczona na zimno z ręcznie zbieranych oliwek."),
        ru=("Оливковое масло первого отжима", "Холодный отжим из оливок, собранных вручную."),
        el=("Εξαιρετικό παρθένο ελαιόλαδο", "Ψυχρής έκθλιψης από ελιές μαζεμένες με το χέρι."),
        es=("Aceite de oliva virgen extra", "Prensado en frío de aceitunas recogidas a mano."),
        it=("Olio extravergine di oliva", "Spremuto a freddo da olive raccolte a mano."),
    ),
    _p(
        "elderflower_syrup", "HS", "210690", "LTR", "6.50",
        en=("Elderflower syrup", "Made from fresh elderflower blossoms and lemon."),
        de=("Holunderblütensirup", "Aus frischen Holunderblüten und Zitrone."),
        fr=("Sirop de fleurs de sureau", "Fleurs de sureau fraîches et citron."),
        pl=("Syrop z kwiatów czarnego bzu", "Ze świeżych kwiatów bzu i cytryny."),
        ru=("Сироп из цветков бузины", "Из свежих цветков бузины с лимоном."),
        el=("Σιρόπι σαμπούκου", "Από φρέσκα άνθη σαμπούκου και λεμόνι."),
        es=("Sirope de flor de saúco", "Elaborado con flores de saúco frescas y limón."),
        it=("Sciroppo di fiori di sambuco", "Preparato con fiori freschi di sambuco e limone."),
    ),
    _p(
        "sauerkraut", "HS", "200190", "KGM", "2.90",
        en=("Sauerkraut", "Naturally fermented white cabbage with caraway."),
        de=("Sauerkraut aus dem Fass", "Natürlich vergorener Weißkohl mit Kümmel."),
        fr=("Choucroute crue", "Chou blanc fermenté naturellement, au carvi."),
        pl=("Kiszona kapusta", "Naturalnie kiszona biała kapusta z kminkiem."),
        ru=("Квашеная капуста", "Белокочанная капуста естественного брожения с тмином."),
        el=("Τουρσί λάχανο", "Λευκό λάχανο με φυσική ζύμωση και κύμινο."),
        es=("Chucrut artesano", "Col blanca fermentada de forma natural con alcaravea."),
        it=("Crauti fermentati", "Cavolo bianco fermentato naturalmente con cumino."),
    ),
    _p(
        "smoked_sausage", "CPV", "15131130-5", "KGM", "13.00",
        en=("Smoked farmhouse sausage", "Pork sausage smoked over beech wood."),
        de=("Geräucherte Landwurst", "Schweinswurst über Buchenholz geräuchert."),
        fr=("Saucisse fumée fermière", "Saucisse de porc fumée au bois de hêtre."),
        pl=("Kiełbasa wiejska wędzona", "Wieprzowa kiełbasa wędzona w dymie bukowym."),
        ru=("Копчёная деревенская колбаса", "Свиная колбаса, копчённая на буковых дровах."),
        el=("Καπνιστό χωριάτικο λουκάνικο", "Χοιρινό λουκάνικο καπνισμένο σε ξύλο οξιάς."),
        es=("Salchicha ahumada de granja", "Salchicha de cerdo ahumada con madera de haya."),
        it=("Salsiccia affumicata", "Salsiccia di maiale affumicata con legno di faggio."),
    ),
    _p(
        "butter", "CPV", "15530000-2", "KGM", "9.00",
        en=("Cultured butter", "Churned from the cream of grass-fed cows."),
        de=("Sauerrahmbutter", "Aus der Sahne von Weidekühen gebuttert."),
        fr=("Beurre de baratte", "Baratté à partir de la crème de vaches nourries à l'herbe."),
        pl=("Masło ekstra", "Ubijane ze śmietany od krów wypasanych na łąkach."),
        ru=("Сливочное масло", "Сбито из сливок коров пастбищного содержания."),
        el=("Αγελαδινό βούτυρο", "Από την κρέμα αγελάδων που βόσκουν ελεύθερα."),
        es=("Mantequilla de nata", "Batida con la nata de vacas alimentadas con pasto."),
        it=("Burro di panna", "Burro ottenuto dalla panna di mucche al pascolo."),
    ),
    _p(
        "walnuts", "HS", "080232", "KGM", "8.50",
        en=("Walnuts in shell", "Dried walnuts from old trees by the river."),
        de=("Walnüsse mit Schale", "Getrocknete Walnüsse von alten Bäumen am Fluss."),
        fr=("Noix en coque", "Noix séchées de vieux noyers au bord de la rivière."),
        pl=("Orzechy włoskie w łupinach", "Suszone orzechy ze starych drzew nad rzeką."),
        ru=("Грецкие орехи в скорлупе", "Сушёные орехи со старых деревьев у реки."),
        el=("Καρύδια με κέλυφος", "Αποξηραμένα καρύδια από γέρικες καρυδιές δίπλα στο ποτάμι."),
        es=("Nueces con cáscara", "Nueces secas de nogales centenarios junto al río."),
        it=("Noci con guscio", "Noci essiccate di vecchi alberi lungo il fiume."),
    ),
    _p(
        "pierogi", "CPV", "15894000-3", "KGM", "9.50",
        en=("Pierogi with potato and cheese", "Hand-made dumplings, frozen fresh."),
        de=("Piroggen mit Kartoffeln und Quark", "Handgemachte Teigtaschen, frisch eingefroren."),
        fr=("Pierogi aux pommes de terre et fromage", "Raviolis polonais faits main, surgelés frais."),
        pl=("Pierogi ruskie", "Ręcznie lepione pierogi z ziemniakami i twarogiem."),
        ru=("Вареники с картофелем", "Вареники ручной лепки с картофелем и творогом."),
        el=("Πιερόγκι με πατάτα", "Χειροποίητα ζυμαρικά γεμιστά με πατάτα και τυρί."),
        es=("Pierogi de patata y queso", "Empanadillas polacas hechas a mano, congeladas."),
        it=("Pierogi con patate e formaggio", "Ravioli polacchi fatti a mano, surgelati."),
    ),
    _p(
        "gingerbread", "HS", "190520", "KGM", "12.50",
        en=("Gingerbread hearts", "Spiced gingerbread glazed with dark chocolate."),
        de=("Lebkuchenherzen", "Gewürzlebkuchen mit dunkler Schokolade."),
        fr=("Cœurs en pain d'épices", "Pain d'épices glacé au chocolat noir."),
        pl=("Pierniki toruńskie", "Korzenne pierniki w ciemnej czekoladzie."),
        ru=("Тульские пряники", "Пряники с пряностями в тёмном шоколаде."),
        el=("Μπισκότα με τζίντζερ", "Μπαχαρένια μπισκότα με μαύρη σοκολάτα."),
        es=("Corazones de pan de jengibre", "Pan de especias glaseado con chocolate negro."),
        it=("Cuori di pan di zenzero", "Pan di zenzero glassato al cioccolato fondente."),
    ),
    _p(
        "beeswax_candles", "HS", "340600", "H87", "7.00",
        en=("Beeswax candles", "Hand-dipped candles of pure beeswax from our hives."),
        de=("Bienenwachskerzen", "Handgezogene Kerzen aus reinem Bienenwachs."),
        fr=("Bougies en cire d'abeille", "Bougies trempées à la main, en pure cire d'abeille."),
        pl=("Świece z wosku pszczelego", "Ręcznie robione świece z czystego wosku pszczelego."),
        ru=("Свечи из пчелиного воска", "Свечи ручной работы из чистого пчелиного воска."),
        el=("Κεριά από κερί μέλισσας", "Χειροποίητα κεριά από καθαρό κερί μέλισσας."),
        es=("Velas de cera de abeja", "Velas hechas a mano de pura cera de abeja."),
        it=("Candele di cera d'api", "Candele fatte a mano in pura cera d'api."),
    ),
    _p(
        "cherries", "HS", "080929", "KGM", "5.00",
        en=("Sour cherries", "Morello cherries, pitted and frozen right after picking."),
        de=("Sauerkirschen", "Entsteinte Schattenmorellen, direkt nach der Ernte eingefroren."),
        fr=("Griottes dénoyautées", "Cerises acides dénoyautées, surgelées juste après la cueillette."),
        pl=("Wiśnie drylowane", "Wiśnie bez pestek, mrożone zaraz po zbiorze."),
        ru=("Вишня без косточек", "Вишня, замороженная сразу после сбора."),
        el=("Βύσσινα χωρίς κουκούτσι", "Ξινά κεράσια, κατεψυγμένα αμέσως μετά τη συγκομιδή."),
        es=("Guindas sin hueso", "Cerezas ácidas deshuesadas y congeladas tras la cosecha."),
        it=("Amarene snocciolate", "Ciliegie acide snocciolate, surgelate subito dopo la raccolta."),
    ),
    _p(
        "garlic", "HS", "070320", "KGM", "9.80",
        en=("Smoked garlic", "Whole garlic bulbs, cold-smoked over oak."),
        de=("Geräucherter Knoblauch", "Ganze Knoblauchknollen, über Eiche kalt geräuchert."),
        fr=("Ail fumé", "Têtes d'ail entières fumées à froid au bois de chêne."),
        pl=("Czosnek wędzony", "Całe główki czosnku wędzone na zimno w dymie dębowym."),
        ru=("Копчёный чеснок", "Целые головки чеснока холодного копчения."),
        el=("Καπνιστό σκόρδο", "Ολόκληρα κεφάλια σκόρδου καπνισμένα σε ξύλο βελανιδιάς."),
        es=("Ajo ahumado", "Cabezas de ajo enteras ahumadas en frío con roble."),
        it=("Aglio affumicato", "Teste d'aglio intere affumicate a freddo con legno di quercia."),
    ),
    _p(
        "carrots", "HS", "070610", "KGM", "1.60",
        en=("Heritage carrots", "Purple, yellow and orange carrots, unwashed."),
        de=("Bunte Karotten", "Lila, gelbe und orange Möhren, ungewaschen."),
        fr=("Carottes anciennes", "Carottes violettes, jaunes et orange, non lavées."),
        pl=("Marchew kolorowa", "Fioletowa, żółta i pomarańczowa marchew, niemyta."),
        ru=("Цветная морковь", "Фиолетовая, жёлтая и оранжевая морковь, немытая."),
        el=("Πολύχρωμα καρότα", "Μωβ, κίτρινα και πορτοκαλί καρότα, άπλυτα."),
        es=("Zanahorias de colores", "Zanahorias moradas, amarillas y naranjas, sin lavar."),
        it=("Carote colorate", "Carote viola, gialle e arancioni, non lavate."),
    ),
)  # fmt: skip

PRODUCERS: tuple[Producer, ...] = (
    Producer("kowalczyk", "Pasieka Kowalczyk", "PL", "PL-02", "PLN", ("women_led",), ("pl",)),
    Producer("nowak", "Gospodarstwo Nowak", "PL", "PL-02", "PLN", ("cooperative",), ("pl", "de")),
    Producer("wisniewski", "Sad Wiśniewski", "PL", "PL-12", "PLN", (), ("pl", "en")),
    Producer("zieba", "Owczarnia Zięba", "PL", "PL-12", "PLN", ("youth_led",), ("pl", "en")),
    Producer("lindner", "Imkerei Lindner", "DE", "DE-SN", "EUR", ("cooperative",), ("de",)),
    Producer("bergmann", "Hofkäserei Bergmann", "DE", "DE-SN", "EUR", ("women_led", "youth_led"), ("de", "en")),
    Producer("krause", "Obsthof Krause", "DE", "DE-BB", "EUR", (), ("de", "pl")),
    Producer("schulze", "Töpferei Schulze", "DE", "DE-SN", "EUR", ("youth_led",), ("de",)),
    Producer("dvorak", "Farma Dvořák", "CZ", "CZ-51", "CZK", ("minority_led",), ("de", "en")),
    Producer("novotna", "Včelařství Novotná", "CZ", "CZ-51", "CZK", ("cooperative", "women_led"), ("pl", "de")),
    Producer("horak", "Zahrada Horák", "CZ", "CZ-42", "CZK", ("youth_led",), ("en",)),
    Producer("lefevre", "Ferme Lefèvre", "FR", "FR-57", "EUR", ("cooperative",), ("fr",)),
    Producer("moreau", "Domaine Moreau", "FR", "FR-67", "EUR", ("women_led",), ("fr", "de", "en")),
    Producer("papadopoulos", "Κτήμα Παπαδόπουλου", "GR", "GR-B", "EUR", ("minority_led", "women_led"), ("el", "en")),
    Producer("georgiou", "Μελισσοκομία Γεωργίου", "GR", "GR-M", "EUR", ("cooperative",), ("el",)),
    Producer("sokolov", "Хозяйство Соколовых", "LV", "LV-RIX", "EUR", ("minority_led",), ("ru", "en")),
    Producer("morozova", "Пасека Морозовой", "EE", None, "EUR", ("minority_led", "women_led"), ("ru",)),
    Producer("solana", "Finca La Solana", "ES", "ES-AN", "EUR", ("cooperative",), ("es", "en")),
    Producer("martinez", "Huerta Martínez", "ES", "ES-VC", "EUR", ("youth_led",), ("es",)),
    Producer("rossi", "Azienda Agricola Rossi", "IT", "IT-21", "EUR", ("women_led",), ("it", "de")),
    Producer("bianchi", "Cascina Bianchi", "IT", "IT-25", "EUR", (), ("it",)),
    Producer("hollow", "Green Hollow Farm", "IE", "IE-KK", "EUR", ("cooperative", "youth_led"), ("en",)),
)

#: Where listings ship to besides their own country (rotated through by listing number).
_SHIPS_TO = (
    ("PL-02", "DE-SN", "CZ-51"),
    ("DE",),
    ("DE", "PL", "CZ"),
    ("PL-02",),
    ("CZ", "SK"),
    ("FR", "DE", "LU"),
    ("GR", "CY"),
    ("AT", "DE-SN"),
    ("IT", "ES", "FR"),
)
#: Every few listings sits exactly on a price bound (10 or 20 euro), to test [low, high).
_BOUND_PRICES = {0: Decimal(10), 1: Decimal(20)}


def _languages(product_index: int, j: int) -> tuple[str, ...]:
    """The listing's languages, default first: mostly one or two."""
    primary = LANGUAGES[(product_index + j) % len(LANGUAGES)]
    chosen = [primary]
    if (product_index + j) % 3 == 0:
        chosen.append(LANGUAGES[(product_index + 2 * j + 3) % len(LANGUAGES)])
    if (product_index * 2 + j) % 7 == 0:
        chosen.append(LANGUAGES[(product_index + 3 * j + 5) % len(LANGUAGES)])
    return tuple(dict.fromkeys(chosen))


def _producer(language: str, k: int) -> Producer:
    """The producer of the k-th listing written first in `language`: each in turn."""
    writers = [p for p in PRODUCERS if language in p.languages]
    return writers[k % len(writers)]


def _price(product: Product, producer: Producer, n: int) -> tuple[Decimal, float]:
    bound = _BOUND_PRICES.get(n % 23)
    eur = bound if bound is not None else product.price_eur * (Decimal("0.75") + Decimal(n % 11) / 20)
    rate = RATES[producer.currency]
    quantum = Decimal(1) if producer.currency == "CZK" else Decimal("0.01")
    unit_price = (eur * rate).quantize(quantum)
    return unit_price, float(unit_price / rate)


def _eligible(ships_to: Iterable[str], n: int) -> list[str]:
    if n % 6 == 5:
        return []  # e.g. a credential expired: offered, but not legally sellable into any hub jurisdiction
    areas = set(ships_to)
    return sorted(j for j in HUB_JURISDICTIONS if j in areas or j.split("-")[0] in areas)


def _document(product_index: int, product: Product, j: int, producer: Producer) -> SearchDocument:
    n = product_index * LISTINGS_PER_PRODUCT + j
    languages = _languages(product_index, j)
    ships_to = sorted({producer.country, *_SHIPS_TO[(n * 5 + product_index) % len(_SHIPS_TO)]})
    unit_price, price_ref = _price(product, producer, n)
    return SearchDocument(
        id=uuid.uuid5(NAMESPACE, f"listing/{n}"),
        organization_id=producer.id,
        producer_name=producer.name,
        version=1 + n % 4,
        default_language=languages[0],
        translations={
            language: ListingText(title=product.texts[language][0], description=product.texts[language][1])
            for language in languages
        },
        classification_scheme=product.scheme,
        classification_code=product.code,
        unit_code=product.unit,
        currency=producer.currency,
        unit_price=unit_price,
        price_ref=price_ref,
        fx_as_of=FX_AS_OF,
        in_stock=n % 5 != 2 and n % 7 != 3,
        origin_country=producer.country,
        origin_subdivision=producer.subdivision,
        ships_to=ships_to,
        eligible_in=_eligible(ships_to, n),
        inclusion=sorted(producer.inclusion),
        # Distinct and not in listing order: 10007 is prime, so no two listings share an hour.
        created_at=_EPOCH + dt.timedelta(hours=(n * 7919) % 10007, minutes=n % 60),
    )


@cache
def _catalog() -> tuple[SearchDocument, ...]:
    documents = []
    written: dict[str, int] = {}
    for index, product in enumerate(PRODUCTS):
        for j in range(LISTINGS_PER_PRODUCT):
            language = _languages(index, j)[0]
            k = written[language] = written.get(language, -1) + 1
            documents.append(_document(index, product, j, _producer(language, k)))
    return tuple(documents)


@cache
def _products() -> dict[uuid.UUID, str]:
    return {
        uuid.uuid5(NAMESPACE, f"listing/{index * LISTINGS_PER_PRODUCT + j}"): product.key
        for index, product in enumerate(PRODUCTS)
        for j in range(LISTINGS_PER_PRODUCT)
    }


def catalog() -> list[SearchDocument]:
    """Every document, in listing order (a new list; the documents are immutable)."""
    return list(_catalog())


def product_of(document: SearchDocument) -> str:
    """The key of the product a listing offers (`linden_honey`)."""
    return _products()[document.id]


def listings(product: str | None = None, language: str | None = None) -> list[SearchDocument]:
    """The documents of a product and/or written in a language."""
    assert product is None or product in {p.key for p in PRODUCTS}, product
    return [
        d
        for d in _catalog()
        if (product is None or product_of(d) == product) and (language is None or language in d.translations)
    ]


def by_title(title: str) -> list[SearchDocument]:
    """The documents with a translation titled exactly `title`."""
    return [d for d in _catalog() if any(t.title == title for t in d.translations.values())]


def text_words(document: SearchDocument, language: str | None = None) -> set[str]:
    """The folded words of a document's title and description, in one language or all."""
    texts = [t for tag, t in document.translations.items() if language is None or tag == language]
    return {w for t in texts for w in folded_words(f"{t.title} {t.description}")}


def containing(forms: Iterable[str], language: str | None = None) -> set[uuid.UUID]:
    """Ids of the documents whose text (in `language`, if given) has any of these word forms
    (compared folded: `Käse` and `kase` are the same form)."""
    wanted = {w for form in forms for w in folded_words(form)}
    return {d.id for d in _catalog() if text_words(d, language) & wanted}
