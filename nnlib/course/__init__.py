"""The course's tooling, apart from the math students read: building exercises from solutions
(`python -m nnlib.course.exercises`), bulk grading (`python -m nnlib.course.grade`, with its worker)
and slide decks (`python -m nnlib.course.slides`)."""
