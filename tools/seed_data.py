"""Word lists the seed generator builds Russian and English catalog text from.

Russian topics carry their case forms so titles and descriptions hold real word forms
("программирование", "основы программирования", "практикум по программированию"): full-text
search has stems to match and prefixes to complete.
"""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    """A subject in Russian case forms (nominative … prepositional) and in English."""

    nom: str
    gen: str
    dat: str
    acc: str
    ins: str
    en: str


TOPICS = (
    Topic("программирование", "программирования", "программированию", "программирование",
          "программированием", "programming"),
    Topic("машинное обучение", "машинного обучения", "машинному обучению", "машинное обучение",
          "машинным обучением", "machine learning"),
    Topic("веб-разработка", "веб-разработки", "веб-разработке", "веб-разработку",
          "веб-разработкой", "web development"),
    Topic("анализ данных", "анализа данных", "анализу данных", "анализ данных",
          "анализом данных", "data analysis"),
    Topic("дизайн интерфейсов", "дизайна интерфейсов", "дизайну интерфейсов",
          "дизайн интерфейсов", "дизайном интерфейсов", "interface design"),
    Topic("английский язык", "английского языка", "английскому языку", "английский язык",
          "английским языком", "business English"),
    Topic("математика", "математики", "математике", "математику", "математикой", "mathematics"),
    Topic("статистика", "статистики", "статистике", "статистику", "статистикой", "statistics"),
    Topic("фотография", "фотографии", "фотографии", "фотографию", "фотографией", "photography"),
    Topic("маркетинг", "маркетинга", "маркетингу", "маркетинг", "маркетингом", "marketing"),
    Topic("управление проектами", "управления проектами", "управлению проектами",
          "управление проектами", "управлением проектами", "project management"),
    Topic("финансовая грамотность", "финансовой грамотности", "финансовой грамотности",
          "финансовую грамотность", "финансовой грамотностью", "personal finance"),
    Topic("базы данных", "баз данных", "базам данных", "базы данных", "базами данных",
          "databases"),
    Topic("алгоритмы", "алгоритмов", "алгоритмам", "алгоритмы", "алгоритмами", "algorithms"),
    Topic("кибербезопасность", "кибербезопасности", "кибербезопасности", "кибербезопасность",
          "кибербезопасностью", "cybersecurity"),
    Topic("микроконтроллеры", "микроконтроллеров", "микроконтроллерам", "микроконтроллеры",
          "микроконтроллерами", "microcontrollers"),
    Topic("архитектура приложений", "архитектуры приложений", "архитектуре приложений",
          "архитектуру приложений", "архитектурой приложений", "software architecture"),
    Topic("тестирование", "тестирования", "тестированию", "тестирование", "тестированием",
          "software testing"),
    Topic("рисование", "рисования", "рисованию", "рисование", "рисованием", "drawing"),
    Topic("музыкальная теория", "музыкальной теории", "музыкальной теории", "музыкальную теорию",
          "музыкальной теорией", "music theory"),
    Topic("копирайтинг", "копирайтинга", "копирайтингу", "копирайтинг", "копирайтингом",
          "copywriting"),
    Topic("бухгалтерский учёт", "бухгалтерского учёта", "бухгалтерскому учёту",
          "бухгалтерский учёт", "бухгалтерским учётом", "accounting"),
    Topic("физика", "физики", "физике", "физику", "физикой", "physics"),
    Topic("химия", "химии", "химии", "химию", "химией", "chemistry"),
    Topic("мобильная разработка", "мобильной разработки", "мобильной разработке",
          "мобильную разработку", "мобильной разработкой", "mobile development"),
    Topic("облачные вычисления", "облачных вычислений", "облачным вычислениям",
          "облачные вычисления", "облачными вычислениями", "cloud computing"),
    Topic("психология", "психологии", "психологии", "психологию", "психологией", "psychology"),
    Topic("публичные выступления", "публичных выступлений", "публичным выступлениям",
          "публичные выступления", "публичными выступлениями", "public speaking"),
)

TOOLS = ("Python", "Go", "Rust", "JavaScript", "TypeScript", "Java", "Kotlin", "C++", "SQL",
         "PostgreSQL", "Docker", "Kubernetes", "React", "Django", "FastAPI", "Linux", "Excel",
         "Figma", "Photoshop", "Arduino", "Swift", "Blender")

# {nom}/{gen}/{dat}/{acc}/{ins}: the topic's case forms; {tool}: a tool name.
RU_TITLES = (
    "{Nom} для начинающих", "Основы {gen}", "Практикум по {dat}", "Введение в {acc}",
    "{Nom} с нуля", "Продвинутый курс {gen}", "Интенсив по {dat}", "{Nom} на практике",
    "Мастер-класс: {nom}", "{Nom}: полное руководство", "Секреты {gen}",
    "{Nom} на {tool} для начинающих", "{Nom} с {tool}: практический курс",
    "Профессиональное {nom}", "Курс {gen} для работы",
)
EN_TITLES = (
    "{Topic} for Beginners", "Introduction to {Topic}", "Mastering {Topic}", "Practical {Topic}",
    "{Topic} from Scratch", "Advanced {Topic}", "{Topic} Bootcamp", "{Topic} in Practice",
    "The Complete {Topic} Course", "{Topic} with {tool}", "Hands-on {Topic} with {tool}",
    "{Topic} Essentials", "Modern {Topic} for Professionals",
)

RU_SENTENCES = (
    "В этом курсе вы изучите {acc} от простого к сложному.",
    "Курс подойдёт тем, кто хочет освоить {acc} и применять знания в работе.",
    "Мы разберём основные понятия {gen}, типичные ошибки и лучшие практики.",
    "Каждый модуль заканчивается практическим заданием с разбором решений.",
    "После курса вы уверенно будете работать с {tool}.",
    "Преподаватель — практикующий специалист с многолетним опытом.",
    "Занятия проходят в удобном темпе, материалы остаются доступны после окончания.",
    "Особое внимание уделено задачам, которые встречаются на собеседованиях.",
    "Вы научитесь решать реальные задачи по {dat} и оформите проект в портфолио.",
    "Знакомство с {ins} начинается с коротких упражнений и простых примеров.",
)
EN_SENTENCES = (
    "In this course you will learn {topic} step by step.",
    "It suits anyone who wants to apply {topic} at work.",
    "We cover the core ideas, common mistakes and the best practices of {topic}.",
    "Every module ends with a practical assignment and a walkthrough of its solution.",
    "By the end you will be confident working with {tool}.",
    "Your instructor is a working practitioner with years of experience.",
    "Study at your own pace; the materials stay available after you finish.",
    "Special attention goes to problems that come up in job interviews.",
    "You will solve real problems in {topic} and build a project for your portfolio.",
)
RU_HIGHLIGHTS = ("Много практики", "Проверка домашних заданий", "Сертификат по окончании",
                 "Доступ к сообществу студентов", "Разбор реальных проектов")
EN_HIGHLIGHTS = ("Lots of practice", "Reviewed assignments", "Certificate of completion",
                 "Access to the student community", "Real-world project reviews")

RU_MODULES = ("Знакомство с {ins}", "Основные понятия", "Инструменты и окружение",
              "Практические задачи", "Продвинутые техники", "Работа с {tool}",
              "Типичные ошибки", "Итоговый проект")
EN_MODULES = ("Getting started with {topic}", "Core concepts", "Tools and setup", "Practice",
              "Advanced techniques", "Working with {tool}", "Common pitfalls", "Final project")
RU_LESSONS = ("Что такое {nom}", "Первые шаги", "Разбор примера", "Практика: {nom}",
              "Обзор инструментов", "Вопросы и ответы", "Домашнее задание", "Итоги модуля")
EN_LESSONS = ("What is {topic}", "First steps", "A worked example", "Practice: {topic}",
              "Tooling overview", "Questions and answers", "Homework", "Module summary")

RU_NOTES = ("Запишите ключевые определения своими словами.",
            "Повторите пример из видео и измените входные данные.",
            "Сравните два подхода и выберите подходящий для своей задачи.",
            "Обратите внимание на граничные случаи.",
            "Подготовьте вопросы к следующему занятию.")
EN_NOTES = ("Write the key definitions down in your own words.",
            "Repeat the example from the video with different input.",
            "Compare both approaches and pick the one that fits your task.",
            "Watch out for the edge cases.",
            "Prepare questions for the next session.")
CODE_SNIPPETS = ("print(\"hello, world\")", "SELECT id, title FROM courses LIMIT 10;",
                 "for i in range(3):\n    print(i)", "docker run --rm -it python:3.11",
                 "git commit -m \"first lesson\"")

RU_MALE_FIRST = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван",
                 "Михаил", "Никита", "Егор", "Павел", "Роман", "Олег", "Владимир")
RU_FEMALE_FIRST = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна",
                   "Ирина", "Светлана", "Юлия", "Дарья", "Ксения", "Алёна", "Полина")
# Masculine surnames; the feminine form adds "а" (Иванов → Иванова).
RU_SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
               "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
               "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов")
EN_FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
            "David", "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah",
            "Daniel", "Emily", "Matthew", "Olivia")
EN_SURNAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
               "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Clark", "Lewis",
               "Walker", "Hall", "Young", "King")

# (Russian name, English name); seeded categories alternate between the two languages.
CATEGORIES = (
    ("Программирование", "Programming"), ("Дизайн", "Design"),
    ("Анализ данных", "Data Science"), ("Маркетинг", "Marketing"), ("Бизнес", "Business"),
    ("Иностранные языки", "Languages"), ("Математика", "Mathematics"),
    ("Фотография", "Photography"), ("Музыка", "Music"),
    ("Личная эффективность", "Personal Development"), ("Финансы", "Finance"),
    ("Естественные науки", "Science"), ("Информационная безопасность", "IT Security"),
    ("Разработка игр", "Game Development"), ("Мобильная разработка", "Mobile Development"),
    ("Менеджмент", "Management"), ("Психология", "Psychology"), ("Здоровье", "Health and Fitness"),
    ("Кулинария", "Cooking"), ("Искусство", "Art"), ("Инженерия", "Engineering"),
    ("Облачные технологии", "Cloud Computing"), ("Педагогика", "Teaching"), ("Право", "Law"),
)

RU_PRICES = ("490", "990", "1490", "1990", "2990", "4990", "7990", "12990")
FOREIGN_PRICES = ("9.99", "14.99", "19.00", "29.90", "49.90", "79.00", "99.00", "149.00")
